from __future__ import annotations

import pytest
from django.test import Client

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world

pytestmark = pytest.mark.django_db


def test_chinese_even_when_the_browser_asks_for_english() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    response = client.get("/accounts/login/")
    assert response["Content-Language"] == "zh-hans"
    assert "登录".encode() in response.content


def test_the_language_switch_wins() -> None:
    world = build_world()
    client = Client()
    client.force_login(world.user(Role.DUTY_OFFICER))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/")
    assert response["Content-Language"] == "en"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert client.get("/")["Content-Language"] == "zh-hans"

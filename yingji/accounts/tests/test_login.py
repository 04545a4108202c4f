"""Login, lockout after repeated failures, API tokens."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from yingji.accounts.choices import Role
from yingji.core.testing.world import PASSWORD, build_world

pytestmark = pytest.mark.django_db


def test_login_and_lockout_after_five_failures() -> None:
    world = build_world()
    user = world.user(Role.DUTY_OFFICER)
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    client.post("/accounts/logout/")
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    # Locked now: even the right password is refused.
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert (
        response.status_code == 429
        or b"locked" in response.content.lower()
        or response.status_code == 403
    )
    assert "_auth_user_id" not in client.session


def test_api_token_obtained_with_password() -> None:
    world = build_world()
    user = world.user(Role.VIEWER, "a")
    client = APIClient()
    response = client.post(
        "/api/v1/accounts/token/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/accounts/me/").json()
    assert me["username"] == user.username
    assert me["region_code"] == "370102"
    assert "geo.view_region" in me["permissions"]
    bad = APIClient().post("/api/v1/accounts/token/", {"username": user.username, "password": "x"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"code", "message", "fields"}

import pytest

from .factories import world_with_rules


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The test world makes nine accounts per test: hash their passwords cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    return world_with_rules()

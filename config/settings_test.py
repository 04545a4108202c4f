"""Settings for the test suite: the real settings, with a fast password hasher.

Tests create hundreds of users; the production hasher (deliberately slow) would spend
minutes on them. Nothing else differs, so the suite tests the settings users run.
"""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

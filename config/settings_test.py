"""Settings for the test suite: the real settings, with a fast password hasher.

Tests create hundreds of users; the production hasher (deliberately slow) would spend
minutes on them. An intake's deadlines and scores are computed inside the intake's
transaction (no worker runs in a test; the deferred path has its own tests in
yingji/incidents/tests/test_followups.py), and the worker never waits for a burst of
intakes to end (tests enqueue many at once; that wait has its own tests there). Nothing
else differs, so the suite tests the settings users run.
"""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
YINGJI_INTAKE_FOLLOWUPS = "inline"
YINGJI_FOLLOWUPS_YIELD_SECONDS = 0.0

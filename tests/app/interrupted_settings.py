"""Settings of a command run that test_interrupted_jobs.py kills: the test settings, with the
keyring the test hands over (TEST_TOTP_KEYS, a JSON list) and the test's own database
(DATABASE_URL, naming it)."""

import json
import os

from tests.settings import *  # noqa: F401,F403

TOTP_ENCRYPTION_KEY = json.loads(os.environ["TEST_TOTP_KEYS"])

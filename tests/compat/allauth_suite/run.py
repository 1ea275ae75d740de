"""`make compat-allauth`: django-allauth's own MFA tests with our MFA adapter.

    python -m tests.compat.allauth_suite.run [PYTEST ARGS...]

1. The pinned source release (it ships allauth's tests/, their conftest.py and test
   projects) is downloaded from PyPI once, checked against its sha256 and unpacked into
   build/cache/django-allauth-<version>/; later runs reuse it.
2. pytest runs its ``tests/apps/mfa`` and ``tests/apps/headless/mfa`` from the release, with
   its own allauth and its test project's settings plus our app and
   ``MFA_ADAPTER = "django_totp_native.allauth.MFAAdapter"`` (compat_settings.py), and
   seal_check.py, which reads allauth's Authenticator table after every test.
3. The verdict: the counts; every test passes except EXPECTED_FAILURES (none today); nothing
   is skipped and at least one test ran; the table held no plaintext TOTP secret, recovery
   seed or migrated recovery code after any test but those in WRITES_PLAINTEXT (tests that
   write such a value into the table themselves, past the adapter).
"""

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.compat.peer_release import fetch_sdist

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
VERSION = "65.22.1"
# The sdist on PyPI (django_allauth-65.22.1.tar.gz); a different file fails the run.
SHA256 = "b05e20b8f511066c97ed98491520a2ca0319ef16d7f27feed9f688cc6877a8ba"
SUITES = ["tests/apps/mfa", "tests/apps/headless/mfa"]
# Imported by the test project's IdP views; kept out of the venv (requirements.txt says why).
NINJA = "django-ninja==1.8.0"

# Differences by design, with the reason (docs/allauth.md, "django-allauth's own tests", lists the same).
EXPECTED_FAILURES: dict = {}

# Tests that store a plaintext value in Authenticator.data themselves (not through
# MFA_ADAPTER): what the table holds after them is theirs, not the adapter's.
WRITES_PLAINTEXT = {
    "tests/apps/mfa/base/test_trust_fingerprint.py::test_fingerprint_changes_on_recovery_codes_change": (
        "sets auth.data['seed'] to a new plaintext value and saves the row directly"
    ),
}


def fetch(cache: Path) -> Path:
    """Returns the unpacked release under `cache`, downloading it only when missing."""
    return fetch_sdist(cache, "django-allauth", VERSION, SHA256, "compat-allauth")


def ninja_site(cache: Path) -> Path:
    """A directory holding django-ninja alone (``pip install --target``), made once."""
    site = cache / "compat-allauth-site"
    stamp = site / ".installed"
    if stamp.is_file() and stamp.read_text().strip() == NINJA:
        return site
    shutil.rmtree(site, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), NINJA], check=True
    )
    stamp.write_text(NINJA + "\n")
    return site


def outcomes(junit: Path) -> dict:
    """{test id: 'passed' | 'failed' | 'skipped'} from pytest's JUnit XML report."""
    results = {}
    for case in ET.parse(junit).iter("testcase"):
        module, _, name = case.get("classname", ""), None, case.get("name")
        test_id = f"{module.replace('.', '/')}.py::{name}"
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        elif case.find("skipped") is not None:
            outcome = "skipped"
        else:
            outcome = "passed"
        if results.get(test_id) != "failed":
            results[test_id] = outcome
    return results


def verdict(results: dict, sealing: dict) -> list:
    """The problems that fail the run (empty: it passes)."""
    failed = {test for test, outcome in results.items() if outcome == "failed"}
    problems = []
    if not results:
        problems.append("no test ran (collection found nothing)")
    problems += [f"unexpected failure: {test}" for test in sorted(failed - set(EXPECTED_FAILURES))]
    problems += [
        f"expected to fail but passed (remove it from EXPECTED_FAILURES and docs/allauth.md): {test}"
        for test in sorted(set(EXPECTED_FAILURES) - failed)
    ]
    problems += [f"skipped: {test}" for test, outcome in sorted(results.items()) if outcome == "skipped"]
    if not sealing.get("values"):
        problems.append("the seal check read no TOTP secret or recovery seed (it checked nothing)")
    plaintext = set(sealing.get("plaintext", []))
    problems += [
        f"plaintext TOTP secret or recovery seed in the table after: {test}"
        for test in sorted(plaintext - set(WRITES_PLAINTEXT))
    ]
    return problems


def main(argv=None) -> int:
    pytest_args = list(sys.argv[1:] if argv is None else argv)
    source = fetch(ROOT / "build/cache")
    site = ninja_site(ROOT / "build/cache")
    out = ROOT / "build/compat-allauth"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    # Top-level modules beside the release: its own `tests` package shadows ours.
    shutil.copy(HERE / "compat_settings.py", out / "compat_allauth_settings.py")
    shutil.copy(HERE / "seal_check.py", out / "compat_allauth_seal_check.py")
    junit, seal_report = out / "junit.xml", out / "seal_check.json"
    print(f"== django-allauth {VERSION}'s MFA tests ({', '.join(SUITES)}) with django_totp_native.allauth.MFAAdapter",
          flush=True)
    env = {
        **os.environ,
        # The release's own allauth and tests (what its tests were written for) first.
        "PYTHONPATH": os.pathsep.join(str(p) for p in (source, out, site)),
        "COMPAT_ALLAUTH_SEAL_REPORT": str(seal_report),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(source / "pytest.ini"), "--rootdir", str(source),
         "--ds", "compat_allauth_settings", "-p", "compat_allauth_seal_check", "-p", "no:cacheprovider",
         "-q", "--tb=short", "-rfEs", "--junitxml", str(junit), *SUITES, *pytest_args],
        cwd=source, env=env, check=False,
    )
    results = outcomes(junit) if junit.is_file() else {}
    sealing = json.loads(seal_report.read_text()) if seal_report.is_file() else {}
    counts = {outcome: sum(1 for o in results.values() if o == outcome) for outcome in ("passed", "failed", "skipped")}
    print(
        f"compat-allauth: {len(results)} tests, {counts['passed']} passed, {counts['failed']} failed "
        f"({len(EXPECTED_FAILURES)} expected by design), {counts['skipped']} skipped; the Authenticator table "
        f"read after {sealing.get('tests', 0)} tests: {sealing.get('rows', 0)} rows, "
        f"{sealing.get('values', 0)} secrets/seeds/codes, plaintext after {len(sealing.get('plaintext', []))} tests"
    )
    for test, reason in sorted(WRITES_PLAINTEXT.items()):
        print(f"   writes plaintext itself: {test}\n             {reason}")
    problems = verdict(results, sealing)
    for problem in problems:
        print(f"compat-allauth: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

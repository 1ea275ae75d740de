"""`make compat-django-otp`: django-otp's own otp_totp and otp_static tests against our app.

    python -m tests.compat.django_otp_suite.run [--against native|django-otp] [PYTEST ARGS...]

1. The pinned source release (it ships the plugins' tests.py and the test project) is
   downloaded from PyPI once, checked against its sha256 and unpacked into
   build/cache/django-otp-<version>/; later runs reuse it.
2. Alias packages ``otp_totp`` and ``otp_static`` are written under
   build/compat-django-otp/<target>/: their ``models``, ``admin`` and ``lib`` re-export the
   target's classes, their ``tests.py`` is the release's, with rewrite.py's rules applied for
   our app (the diff is saved beside it as rewrites.diff and its rules printed).
3. pytest runs both with django-otp's test project (settings.py here).
4. The verdict: the counts; every test passes except EXPECTED_FAILURES, each of which must
   fail; nothing is skipped and at least one test ran.

``--against django-otp`` is the control: the same harness over django-otp's own plugins
must pass everything, so a failure against ours is ours and not the harness's.
"""

import argparse
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.compat.django_otp_suite import rewrite
from tests.compat.peer_release import fetch_sdist

ROOT = Path(__file__).resolve().parents[3]
VERSION = "1.7.5"
# The sdist on PyPI (django_otp-1.7.5.tar.gz); a different file fails the run.
SHA256 = "7f554d21dcd035550c3b8e3f154b1f422fee71fdc75c8a3bf96e42a2ea6dafcc"

# What each alias package re-exports: the names the plugin tests import relatively.
ALIASES = {
    "otp_totp": {"models": ["TOTPDevice"], "admin": ["TOTPDeviceAdmin"]},
    "otp_static": {
        "models": ["StaticDevice", "StaticToken"],
        "admin": ["StaticDeviceAdmin", "StaticTokenInline"],
        "lib": ["add_static_token"],
    },
}
TARGETS = {
    "native": {"otp_totp": "django_totp_native.otp", "otp_static": "django_totp_native.otp"},
    "django-otp": {"otp_totp": "django_otp.plugins.otp_totp", "otp_static": "django_otp.plugins.otp_static"},
}

# Differences by design, with the reason (docs/django-otp.md, "django-otp's own tests", lists the same).
# Static tokens are stored as keyed hashes, so a token read back from the database is its
# hash, not the plaintext these tests then submit as the valid token.
_STORED_TOKEN_READ_BACK = (
    "valid_token() reads a stored static token back (device.token_set.first().token): "
    "the database holds its keyed hash, not the plaintext"
)
EXPECTED_FAILURES = {
    "native": {
        "otp_static/tests.py::ThrottlingTestCase::test_delay_after_fail_expires": _STORED_TOKEN_READ_BACK,
        "otp_static/tests.py::ThrottlingTestCase::test_verify_is_allowed": _STORED_TOKEN_READ_BACK,
        "otp_static/tests.py::TimestampTestCase::test_verify_token_successful_updates_last_used_at": (
            _STORED_TOKEN_READ_BACK
        ),
    },
    "django-otp": {},
}


def fetch(cache: Path) -> Path:
    """Returns the unpacked release under `cache`, downloading it only when missing."""
    return fetch_sdist(cache, "django-otp", VERSION, SHA256, "compat-django-otp")


def build_aliases(source: Path, target: str, out: Path) -> None:
    """Writes the alias packages into `out` (replacing what a previous run left)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    rules = rewrite.NATIVE_RULES if target == "native" else []
    diffs = []
    for package, modules in ALIASES.items():
        directory = out / package
        directory.mkdir()
        real = TARGETS[target][package]
        (directory / "__init__.py").write_text(f'"""Alias of {real} for django-otp\'s {package} tests."""\n')
        for module, names in modules.items():
            (directory / f"{module}.py").write_text(
                f"from {real}.{module} import {', '.join(names)}  # noqa: F401\n"
            )
        relative = f"{package}/tests.py"
        original = (source / "src/django_otp/plugins" / relative).read_text()
        rewritten, applied = rewrite.apply(relative, original, rules)
        for old, new, count in applied:
            print(f"   rewrite {relative}: {old!r} -> {new!r} ({count}x)")
        (directory / "tests.py").write_text(rewritten)
        diffs.append(rewrite.unified_diff(relative, original, rewritten))
    (out / "rewrites.diff").write_text("".join(diffs))
    (out / "pytest.ini").write_text("[pytest]\npython_files = tests.py\n")


def outcomes(junit: Path) -> dict:
    """{test id: 'passed' | 'failed' | 'skipped'} from pytest's JUnit XML report."""
    results = {}
    for case in ET.parse(junit).iter("testcase"):
        module, _, klass = case.get("classname", "").rpartition(".")
        test_id = f"{module.replace('.', '/')}.py::{klass}::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        elif case.find("skipped") is not None:
            outcome = "skipped"
        else:
            outcome = "passed"
        # A test's subtests may report more than once: a failure anywhere is its outcome.
        if results.get(test_id) != "failed":
            results[test_id] = outcome
    return results


def verdict(target: str, results: dict) -> list:
    """The problems that fail the run (empty: it passes)."""
    expected = EXPECTED_FAILURES[target]
    failed = {test for test, outcome in results.items() if outcome == "failed"}
    problems = []
    if not results:
        problems.append("no test ran (collection found nothing)")
    problems += [f"unexpected failure: {test}" for test in sorted(failed - set(expected))]
    problems += [
        f"expected to fail but passed (remove it from EXPECTED_FAILURES and docs/django-otp.md): {test}"
        for test in sorted(set(expected) - failed)
    ]
    problems += [f"skipped: {test}" for test, outcome in sorted(results.items()) if outcome == "skipped"]
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", choices=sorted(TARGETS), default="native")
    args, pytest_args = parser.parse_known_args(argv)
    source = fetch(ROOT / "build/cache")
    out = ROOT / "build/compat-django-otp" / args.against
    label = "django_totp_native.otp" if args.against == "native" else "django-otp's own plugins (control)"
    print(f"== django-otp {VERSION}'s otp_totp and otp_static tests against {label}", flush=True)
    build_aliases(source, args.against, out)
    junit = out / "junit.xml"
    env = {
        **os.environ,
        # The release's own django_otp (the one its tests were written for) before any other.
        "PYTHONPATH": os.pathsep.join(str(p) for p in (out, source / "src", source / "test", ROOT)),
        "DJANGO_SETTINGS_MODULE": "tests.compat.django_otp_suite.settings",
        "COMPAT_TARGET": args.against,
    }
    env.pop("DJANGO_OTP_CONFIG", None)  # the test project's own settings, SQLite in memory
    subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(out / "pytest.ini"), "--rootdir", str(out),
         "-p", "no:cacheprovider", "-q", "--tb=short", "-rfEs", "--junitxml", str(junit),
         "otp_totp/tests.py", "otp_static/tests.py", *pytest_args],
        cwd=out, env=env, check=False,
    )
    results = outcomes(junit) if junit.is_file() else {}
    counts = {outcome: sum(1 for o in results.values() if o == outcome) for outcome in ("passed", "failed", "skipped")}
    expected = EXPECTED_FAILURES[args.against]
    print(
        f"compat-django-otp ({args.against}): {len(results)} tests, {counts['passed']} passed, "
        f"{counts['failed']} failed ({len(expected)} expected by design), {counts['skipped']} skipped"
    )
    for test, reason in sorted(expected.items()):
        print(f"   expected: {test}\n             {reason}")
    problems = verdict(args.against, results)
    for problem in problems:
        print(f"compat-django-otp: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

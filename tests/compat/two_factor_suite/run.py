"""`make compat-two-factor`: django-two-factor-auth's own test suite with our app installed.

    python -m tests.compat.two_factor_suite.run [--against native|two-factor] [PYTEST ARGS...]

1. The pinned source release (it ships tests/test_*.py) is downloaded from PyPI once,
   checked against its sha256 and unpacked into build/cache/django-two-factor-auth-<version>/;
   later runs reuse it.
2. build/compat-two-factor/<target>/tests/ is the release's test modules, unchanged, beside
   the helpers the release does not ship (settings, urls, models, migrations, templates,
   utils, views), taken unchanged from the repository's 1.18.1 tag into upstream/ here.
3. pytest runs the whole suite, with the release's own two_factor package first on the path
   (checked), and settings.py here (two-factor-auth's settings plus, for `native`,
   django_totp_native.two_factor taking over the `generator` method).
4. The verdict: the counts; every test passes except EXPECTED_FAILURES, each of which must
   fail; nothing is skipped and at least one test ran.

``--against two-factor`` is the control: the same harness without our app must pass
everything, so a failure with ours is ours and not the harness's.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.compat.peer_release import fetch_sdist

from tests.compat.django_otp_suite.run import outcomes

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
VERSION = "1.18.1"
# The sdist on PyPI (django_two_factor_auth-1.18.1.tar.gz); a different file fails the run.
SHA256 = "9d624db63123141cd95a6afe3d626105c3c29a7c8e25a3d93411dd1fac0be464"
TARGETS = ("native", "two-factor")

# Differences by design, with the reason (docs/two-factor-auth.md, "two-factor-auth's own tests", lists the same).
_TOKENS_READ_BACK = (
    "generates backup tokens, expects the POST to redirect and reads the tokens back from the "
    "database (token.token) on the next GET: our tokens are shown once, in the answer to the "
    "POST that made them, and the database holds only their keyed digests"
)
_STOCK_TOTP_COUNTED = (
    "counts django-otp's own user.totpdevice_set after a setup through the generator method: "
    "ours saves django_totp_native.otp.TOTPDevice (user.native_totpdevice_set), sealed"
)
EXPECTED_FAILURES = {
    "native": {
        "tests/test_views_backuptokens.py::BackupTokensTest::test_generate": _TOKENS_READ_BACK,
        "tests/test_views_login.py::BackupTokensTest::test_generate": _TOKENS_READ_BACK,
        "tests/test_views_setup.py::SetupTest::test_setup_only_generator_available": _STOCK_TOTP_COUNTED,
        "tests/test_views_setup.py::SetupTest::test_setup_generator_with_multi_method": _STOCK_TOTP_COUNTED,
        "tests/test_views_setup.py::SetupTest::test_no_double_login": (
            "runs test_setup_only_generator_available first: " + _STOCK_TOTP_COUNTED
        ),
    },
    "two-factor": {},
}


def fetch(cache: Path) -> Path:
    """Returns the unpacked release under `cache`, downloading it only when missing."""
    return fetch_sdist(cache, "django-two-factor-auth", VERSION, SHA256, "compat-two-factor")


def build_suite(source: Path, out: Path) -> list:
    """Writes the suite into `out` (replacing what a previous run left); returns its test files."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    shutil.copytree(HERE / "upstream", out / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    modules = sorted((source / "tests").glob("test_*.py"))
    for module in modules:
        shutil.copy(module, out / "tests" / module.name)
    shutil.copy(HERE / "settings.py", out / "compat_settings.py")
    (out / "pytest.ini").write_text("[pytest]\npython_files = test_*.py\n")
    return [f"tests/{module.name}" for module in modules]


def verdict(target: str, results: dict) -> list:
    """The problems that fail the run (empty: it passes)."""
    expected = EXPECTED_FAILURES[target]
    failed = {test for test, outcome in results.items() if outcome == "failed"}
    problems = []
    if not results:
        problems.append("no test ran (collection found nothing)")
    problems += [f"unexpected failure: {test}" for test in sorted(failed - set(expected))]
    problems += [
        f"expected to fail but passed (remove it from EXPECTED_FAILURES and docs/two-factor-auth.md): {test}"
        for test in sorted(set(expected) - failed)
    ]
    problems += [f"skipped: {test}" for test, outcome in sorted(results.items()) if outcome == "skipped"]
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", choices=TARGETS, default="native")
    args, pytest_args = parser.parse_known_args(argv)
    source = fetch(ROOT / "build/cache")
    out = ROOT / "build/compat-two-factor" / args.against
    label = "django_totp_native.two_factor" if args.against == "native" else "stock two-factor-auth (control)"
    print(f"== django-two-factor-auth {VERSION}'s own tests with {label}", flush=True)
    test_files = build_suite(source, out)
    junit = out / "junit.xml"
    env = {
        **os.environ,
        # `tests` must be two-factor-auth's tests package, not this repository's: the
        # repository is not on the path (django_totp_native comes from the installation).
        # Then the release's own two_factor (the one its tests were written for) before any
        # other; its dependencies (django-otp, phonenumbers, ...) from requirements-dev.txt.
        "PYTHONPATH": os.pathsep.join(str(p) for p in (out, source)),
        "DJANGO_SETTINGS_MODULE": "compat_settings",
        "COMPAT_TARGET": args.against,
    }
    used = subprocess.run(
        [sys.executable, "-c", "import two_factor; print(two_factor.__file__)"],
        cwd=out, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()
    if not Path(used).is_relative_to(source):
        sys.exit(f"compat-two-factor: two_factor comes from {used}, not from the {VERSION} release")
    subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(out / "pytest.ini"), "--rootdir", str(out),
         "-p", "no:cacheprovider", "-q", "--tb=short", "-rfEs", "--junitxml", str(junit),
         *test_files, *pytest_args],
        cwd=out, env=env, check=False,
    )
    results = outcomes(junit) if junit.is_file() else {}
    counts = {outcome: sum(1 for o in results.values() if o == outcome) for outcome in ("passed", "failed", "skipped")}
    expected = EXPECTED_FAILURES[args.against]
    print(
        f"compat-two-factor ({args.against}): {len(results)} tests, {counts['passed']} passed, "
        f"{counts['failed']} failed ({len(expected)} expected by design), {counts['skipped']} skipped"
    )
    for test, reason in sorted(expected.items()):
        print(f"   expected: {test}\n             {reason}")
    problems = verdict(args.against, results)
    for problem in problems:
        print(f"compat-two-factor: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

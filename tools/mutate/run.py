"""Mutation testing: does every guarantee fail a test when its code is broken?

Python: mutmut over the services that hold the guarantees (devices, challenges, rotation
and the throttle service when there is one), in a copy of the tree under build/mutate/
(nothing in the working tree is touched), on SQLite, one mutant at a time.
C++: tools/mutate/cpp_mutants.py applies a list of source mutations to sealed.cpp,
fernet.cpp, challenge.cpp and totp.cpp in a copy, rebuilds and runs ctest.

Prints the kill rate per module and every surviving mutant; tools/mutate/EQUIVALENT.md
lists the survivors judged equivalent, with why. Not part of CI (too slow).

    python tools/mutate/run.py [--quick] [--python-only | --cpp-only]

--quick limits Python to the functions that hold the guarantees (verification, attempt
counting, challenge completion, rotation's conditional write) and a focused test set.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / "build" / "mutate"
PY_WORK = WORK / "py"

MODULES = [
    "django_totp_native/services/verification.py",
    "django_totp_native/services/attempts.py",
    "django_totp_native/services/backup_codes.py",
    "django_totp_native/services/enrollment.py",
    "django_totp_native/services/challenges.py",
    "django_totp_native/services/rotation.py",
    "django_totp_native/services/throttl*",
]
#: Tests that exercise the services (the browser, benchmark and core suites do not).
FULL_TESTS = ["tests/app"]
QUICK_TESTS = [
    "tests/app/test_security.py",
    "tests/app/test_login_api.py",
    "tests/app/test_key_rotation.py",
    "tests/app/test_cannot_be_a_code.py",
    "tests/app/test_cross_user.py",
    "tests/app/test_guarantee_edges.py",
    "tests/app/test_concurrency.py",
    "tests/app/test_conditions_without_the_lock.py",
    "tests/app/test_lean_verify_path.py",
    "tests/app/test_documented_defaults.py",
]
QUICK_FUNCTIONS = [
    # The one verification service and its attempt transaction (issue 17).
    "django_totp_native.services.verification.x_verify_otp__mutmut_*",
    "django_totp_native.services.verification.x_verify_static__mutmut_*",
    "django_totp_native.services.verification.x_verify_either__mutmut_*",
    "django_totp_native.services.verification.x__attempt__mutmut_*",
    "django_totp_native.services.verification.x_otp_text__mutmut_*",
    "django_totp_native.services.verification.x_split_code__mutmut_*",
    "django_totp_native.services.verification.x_match_step__mutmut_*",
    "django_totp_native.services.attempts.x_reserve__mutmut_*",
    "django_totp_native.services.attempts.x__reserve_returning__mutmut_*",
    "django_totp_native.services.attempts.x__refuse__mutmut_*",
    "django_totp_native.services.attempts.x_backoff_delay__mutmut_*",
    "django_totp_native.services.attempts.x__backoff_steps__mutmut_*",
    "django_totp_native.services.attempts.x__state_reset__mutmut_*",
    "django_totp_native.services.attempts.x__device_consume__mutmut_*",
    "django_totp_native.services.attempts.x__code_spend__mutmut_*",
    "django_totp_native.services.attempts.x__consume__mutmut_*",
    "django_totp_native.services.attempts.x_succeed__mutmut_*",
    "django_totp_native.services.attempts.x_next_challenge__mutmut_*",
    "django_totp_native.services.backup_codes.x_code_forms__mutmut_*",
    "django_totp_native.services.challenges.x_complete__mutmut_*",
    "django_totp_native.services.rotation.x__reseal_one__mutmut_*",
]


def installed_core() -> Path:
    spec = importlib.util.find_spec("django_totp_native._core")
    if spec is None or not spec.origin:
        sys.exit("The compiled core is not installed: run `make build` first.")
    return Path(spec.origin)


def toml_list(items) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def prepare_python_workspace(quick: bool) -> None:
    shutil.rmtree(PY_WORK, ignore_errors=True)
    PY_WORK.mkdir(parents=True)
    # The committed tree (HEAD), not the working tree: uncommitted edits are not judged.
    archive = subprocess.run(
        # docs/settings.md: tests/app/test_documented_defaults.py checks its settings tables.
        ["git", "archive", "HEAD", "django_totp_native", "tests", "pyproject.toml", "docs/settings.md"],
        cwd=REPO, check=True, capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(PY_WORK)], input=archive, check=True)
    shutil.copy2(installed_core(), PY_WORK / "django_totp_native" / installed_core().name)
    tests = QUICK_TESTS if quick else FULL_TESTS
    config = f"""
[tool.mutmut]
source_paths = ["django_totp_native"]
only_mutate = {toml_list(MODULES)}
also_copy = ["tests", "pyproject.toml", "docs"]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-m", "not browser", "--reuse-db"]
pytest_add_cli_args_test_selection = {toml_list(tests)}
"""
    text = (REPO / "pyproject.toml").read_text()
    (PY_WORK / "pyproject.toml").write_text(text + config)


def run_mutmut(quick: bool) -> int:
    prepare_python_workspace(quick)
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    # The PostgreSQL re-run of the concurrency tests is a separate process (no trampoline
    # bookkeeping there); mutants are judged on the SQLite run.
    env["TOTP_TEST_POSTGRES_URL"] = "postgres://nobody@127.0.0.1:1/none"
    env.pop("CI", None)
    names = QUICK_FUNCTIONS if quick else []
    command = [sys.executable, str(REPO / "tools/mutate/mutmut_isolated.py"), "run", "--max-children", "1", *names]
    started = time.monotonic()
    completed = subprocess.run(command, cwd=PY_WORK, env=env)
    print(f"mutmut finished in {time.monotonic() - started:.0f} s (exit {completed.returncode})")
    return completed.returncode


def python_report() -> tuple[dict, list[str]]:
    sys.path.insert(0, str(PY_WORK))
    from mutmut.stats import status_by_exit_code  # noqa: PLC0415

    per_module: dict[str, Counter] = defaultdict(Counter)
    survivors: list[str] = []
    for meta in sorted((PY_WORK / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        module = str(meta.relative_to(PY_WORK / "mutants"))[: -len(".meta")]
        for name, code in data["exit_code_by_key"].items():
            status = status_by_exit_code[code]
            per_module[module][status] += 1
            if status in ("survived", "no tests", "suspicious", "timeout"):
                survivors.append(name)
    return per_module, survivors


def show(name: str) -> str:
    completed = subprocess.run(
        [sys.executable, str(REPO / "tools/mutate/mutmut_isolated.py"), "show", name],
        cwd=PY_WORK,
        capture_output=True,
        text=True,
    )
    return completed.stdout.strip()


def print_python_report() -> None:
    per_module, survivors = python_report()
    print("\n== Python (mutmut): kill rate per module")
    for module, counts in sorted(per_module.items()):
        checked = sum(n for status, n in counts.items() if status != "not checked")
        if not checked:
            continue
        killed = counts["killed"] + counts["caught by type check"]
        detail = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s not in ("killed", "not checked"))
        print(f"  {module}: {killed}/{checked} killed ({100 * killed / checked:.0f}%){'; ' + detail if detail else ''}")
    print(f"\n== Python: {len(survivors)} surviving mutants")
    for name in survivors:
        print(f"\n-- {name}\n{show(name)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--python-only", action="store_true")
    only.add_argument("--cpp-only", action="store_true")
    parser.add_argument("--report-only", action="store_true", help="print the last Python run's results")
    args = parser.parse_args()
    status = 0
    if not args.cpp_only:
        if not args.report_only:
            status |= run_mutmut(args.quick) not in (0,)
        print_python_report()
    if not args.python_only and not args.report_only:
        cpp = [sys.executable, str(REPO / "tools/mutate/cpp_mutants.py")] + (["--quick"] if args.quick else [])
        status |= subprocess.run(cpp, cwd=REPO).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())

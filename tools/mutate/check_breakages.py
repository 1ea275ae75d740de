"""Apply each hand-made breakage (tools/mutate/breakages/) and require its tests to fail.

    python tools/mutate/check_breakages.py [--only NAME ...] [--list]

First the named tests run on the unbroken tree and must all pass: a test that fails
anyway (a database that is down, a test broken on main) would otherwise count as a kill.
Then for each breakage: the text replacement is made in the working tree, the named tests
run (pytest on SQLite, pytest on the local PostgreSQL + Redis, or ctest after a rebuild),
and every named test must fail; the file is then restored, whatever happened (native
builds are rebuilt clean at the end). Exits non-zero when a breakage survives a named
test, when a named test does not pass without it, when its text is not found exactly
once, or when a named test does not exist (a renamed test must not turn a kill into a
pass). Run by `make breakages` and in CI.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "mutate"))

from breakages import Breakage  # noqa: E402

PY = str(REPO / ".venv" / "bin" / "python")
PG_ENV = {
    "DATABASE_URL": os.environ.get("BREAKAGES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
    "REDIS_URL": os.environ.get("BREAKAGES_REDIS_URL", "redis://127.0.0.1:6379/0"),
}


def collect() -> list[Breakage]:
    import breakages

    found: list[Breakage] = []
    for info in sorted(pkgutil.iter_modules(breakages.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"breakages.{info.name}")
        found.extend(getattr(module, "BREAKAGES", []))
    names = [b.name for b in found]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SystemExit(f"duplicate breakage names: {sorted(duplicates)}")
    return found


def rebuild_native(kind: str) -> None:
    if kind == "pytest-native":
        cmd = ["make", "-s", "build"]
    else:
        cmd = ["make", "-s", "ctest-build"]
    subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL)


def run_pytest(b: Breakage, report: Path, kills: tuple[str, ...] | None = None) -> tuple[dict[str, str], int]:
    """Outcome per node id ('passed', 'failed' (includes errors) or 'skipped'), and pytest's
    exit status. ``kills``: the node ids to run (default: the breakage's own)."""
    env = dict(os.environ, **b.env)
    env.pop("PYTEST_ADDOPTS", None)
    if b.suite == "pytest-pg":
        env.update(PG_ENV)
    else:
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.unlink(missing_ok=True)
    cmd = [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", f"--junitxml={report}",
           *(kills if kills is not None else b.kills)]
    status = subprocess.run(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    outcomes: dict[str, str] = {}
    if not report.exists():
        return outcomes, status
    for case in ET.parse(report).getroot().iter("testcase"):
        cls, name = case.get("classname", ""), case.get("name", "")
        state = "passed"
        if case.find("failure") is not None or case.find("error") is not None:
            state = "failed"
        elif case.find("skipped") is not None:
            state = "skipped"
        outcomes[f"{cls}::{name}"] = state
    return outcomes, status


def node_matches(kill: str, junit_id: str) -> bool:
    # junit: classname "tests.app.test_x" (or "tests.app.test_x.TestClass"), name "test_y[param]"
    path, _, rest = kill.partition("::")
    dotted = path[:-3].replace("/", ".") if path.endswith(".py") else path
    cls, _, name = junit_id.partition("::")
    if not (cls == dotted or cls.startswith(dotted + ".")):
        return False
    if not rest:
        return True
    wanted = rest.split("::")[-1]
    return name == wanted or name.startswith(wanted + "[")


def judge_pytest(b: Breakage, outcomes: dict[str, str], status: int) -> list[str]:
    if not outcomes:
        # No report at all: pytest died (a native crash kills the process before the
        # report is written) or could not start; either way nothing was judged.
        return [f"pytest wrote no report (exit status {status}): run the tests by hand to see why"]
    problems = []
    for kill in b.kills:
        hits = [state for junit_id, state in outcomes.items() if node_matches(kill, junit_id)]
        if not hits:
            problems.append(f"{kill}: no such test ran")
        elif "failed" not in hits:
            problems.append(f"{kill}: did not fail ({', '.join(sorted(set(hits)))})")
    return problems


def run_ctest(b: Breakage, *, expect_failure: bool = True) -> list[str]:
    problems = []
    for pattern in b.kills:
        listed = subprocess.run(
            ["ctest", "--test-dir", "build/ctest", "-N", "-R", pattern], cwd=REPO, capture_output=True, text=True
        )
        if "Total Tests: 0" in listed.stdout:
            problems.append(f"{pattern}: no such ctest")
            continue
        ran = subprocess.run(
            ["ctest", "--test-dir", "build/ctest", "-R", pattern], cwd=REPO, capture_output=True, text=True
        )
        if expect_failure and ran.returncode == 0:
            problems.append(f"{pattern}: did not fail")
        elif not expect_failure and ran.returncode != 0:
            problems.append(f"{pattern}: fails without the breakage too")
    return problems


def judge_unbroken(b: Breakage, outcomes: dict[str, str]) -> list[str]:
    problems = []
    for kill in b.kills:
        hits = [state for junit_id, state in outcomes.items() if node_matches(kill, junit_id)]
        if not hits:
            problems.append(f"{kill}: no such test ran")
        elif set(hits) != {"passed"}:
            problems.append(f"{kill}: does not pass without the breakage ({', '.join(sorted(set(hits)))})")
    return problems


def check_unbroken(chosen: list[Breakage]) -> dict[str, list[str]]:
    """Problems per breakage name when its named tests do not all pass on the unbroken tree.

    The pytest kills of one suite (and environment) run together in one process."""
    problems: dict[str, list[str]] = {}
    groups: dict[tuple, list[Breakage]] = {}
    for b in chosen:
        if b.suite == "ctest":
            problems[b.name] = run_ctest(b, expect_failure=False)
        else:
            groups.setdefault((b.suite, tuple(sorted(b.env.items()))), []).append(b)
    for number, ((suite, _env), members) in enumerate(groups.items()):
        kills = tuple(dict.fromkeys(kill for b in members for kill in b.kills))
        report = REPO / "build" / "breakages" / f"unbroken-{number}-{suite}.xml"
        outcomes, _status = run_pytest(members[0], report, kills)
        for b in members:
            problems[b.name] = judge_unbroken(b, outcomes)
    return problems


def check(b: Breakage) -> list[str]:
    target = REPO / b.path
    original = target.read_text()
    count = original.count(b.old)
    if count != 1:
        return [f"the text to replace occurs {count} times in {b.path} (expected once): update the breakage"]
    # A Ctrl-C or a kill must not leave the breakage in the tree.
    previous = signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        target.write_text(original.replace(b.old, b.new))
        if b.suite in ("pytest-native", "ctest"):
            try:
                rebuild_native(b.suite)
            except subprocess.CalledProcessError:
                # A breakage that does not compile proves nothing about the tests.
                return [f"the build fails with the breakage applied: fix its text in {b.path}"]
        if b.suite == "ctest":
            return run_ctest(b)
        report = REPO / "build" / "breakages" / f"{b.name}.xml"
        return judge_pytest(b, *run_pytest(b, report))
    finally:
        target.write_text(original)
        signal.signal(signal.SIGTERM, previous)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", default=None, help="names of breakages to check")
    parser.add_argument("--list", action="store_true", help="list the breakages and their killing tests")
    args = parser.parse_args()
    every = collect()
    chosen = [b for b in every if args.only is None or b.name in args.only]
    if args.only and len(chosen) != len(set(args.only)):
        raise SystemExit(f"unknown breakage names: {sorted(set(args.only) - {b.name for b in every})}")
    if args.list:
        for b in chosen:
            print(f"{b.name} ({b.source}, {b.suite}): {b.why}")
            for kill in b.kills:
                print(f"    killed by {kill}")
        return 0
    dirty = subprocess.run(["git", "status", "--porcelain", "--", *sorted({b.path for b in chosen})],
                           cwd=REPO, capture_output=True, text=True).stdout.strip()
    if dirty:
        print(f"refusing to run: uncommitted changes in files a breakage edits:\n{dirty}", file=sys.stderr)
        return 2
    unbroken = check_unbroken(chosen)
    survivors = 0
    native_touched = False
    try:
        for b in chosen:
            started = time.monotonic()
            problems = unbroken[b.name]
            if problems:
                verdict = "UNPROVEN"  # its tests do not pass without it: applying it proves nothing
            else:
                native_touched |= b.suite in ("pytest-native", "ctest")
                problems = check(b)
                verdict = "killed" if not problems else "SURVIVED"
            print(f"{verdict:8} {b.name} ({b.source}, {b.suite}, {time.monotonic() - started:.0f} s)", flush=True)
            for problem in problems:
                print(f"         {problem}", flush=True)
            survivors += bool(problems)
    finally:
        # The builds hold the last breakage's code until rebuilt from the restored tree,
        # also after an error or Ctrl-C: put the unbroken native code back.
        if native_touched:
            rebuild_native("pytest-native")
            rebuild_native("ctest")
    print(f"{len(chosen) - survivors} of {len(chosen)} breakages killed by their named tests")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())

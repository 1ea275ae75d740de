"""Source mutations of the C++ core, judged by the C++ tests (ctest).

Each mutant changes one operator or literal at one place in sealed.cpp, fernet.cpp,
challenge.cpp or totp.cpp (a copy of the committed tree under build/mutate/cpp; the
working tree is never touched), rebuilds the test binary and runs ctest. A mutant is
killed when a test fails or times out, stillborn when it does not compile (not counted),
and survives otherwise. Prints the kill rate per file and every survivor.

    python tools/mutate/cpp_mutants.py [--quick] [--file sealed.cpp ...]

--quick takes every third candidate of each file (a fixed, deterministic subset).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / "build" / "mutate" / "cpp"
FILES = ["sealed.cpp", "fernet.cpp", "challenge.cpp", "totp.cpp"]
TEST_TIMEOUT = 120

#: (name, pattern, replacement): applied at one match at a time.
OPERATORS = [
    ("== to !=", r" == ", " != "),
    ("!= to ==", r" != ", " == "),
    ("< to <=", r" < ", " <= "),
    ("<= to <", r" <= ", " < "),
    ("> to >=", r" > ", " >= "),
    (">= to >", r" >= ", " > "),
    ("&& to ||", r" && ", " || "),
    ("|| to &&", r" \|\| ", " && "),
    ("true to false", r"\btrue\b", "false"),
    ("false to true", r"\bfalse\b", "true"),
    ("+ to -", r" \+ ", " - "),
    ("- to +", r" - ", " + "),
    ("drop !", r"\(!(?=[A-Za-z_(])", "("),
    ("+1 to +0", r"\+ 1\b", "+ 0"),
    ("-1 to -0", r"- 1\b", "- 0"),
    ("0 to 1", r"(?<![\w.])0(?![\w.xX])", "1"),
    ("skip a guard", r"if \((?:[^;]*)\) (?=throw|return)", "if (false) "),
    ("ignore after_step", r"\bafter_step\)", "-1)"),
]


@dataclass(frozen=True)
class Mutant:
    file: str
    line: int
    operator: str
    before: str
    after: str

    def describe(self) -> str:
        return f"{self.file}:{self.line} [{self.operator}]\n    - {self.before.strip()}\n    + {self.after.strip()}"


def is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith(("//", "#", "*", "/*")) and "static_assert" not in stripped


def candidates(file: str, text: str) -> list[Mutant]:
    mutants = []
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if not is_code(line):
            continue
        code = line.split("//", 1)[0]
        if code.count('"') % 2 == 0 and '"' in code:
            code_without_strings = re.sub(r'"[^"]*"', lambda m: " " * len(m.group()), code)
        else:
            code_without_strings = code
        for name, pattern, replacement in OPERATORS:
            for match in re.finditer(pattern, code_without_strings):
                mutated = line[: match.start()] + replacement + line[match.end() :]
                mutants.append(Mutant(file, number, name, line, mutated))
    return mutants


def apply(text: str, mutant: Mutant) -> str:
    lines = text.splitlines(keepends=True)
    assert lines[mutant.line - 1] == mutant.before
    lines[mutant.line - 1] = mutant.after
    return "".join(lines)


def run(command, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=WORK, capture_output=True, text=True, **kwargs)


def prepare() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=REPO, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(WORK)], input=archive, check=True)
    configure = run(
        [
            "cmake", "-S", ".", "-B", "build", "-DCMAKE_BUILD_TYPE=Debug",
            "-DTOTP_NATIVE_BUILD_TESTS=ON", "-DTOTP_NATIVE_BUILD_PYTHON=OFF",
        ]
    )
    if configure.returncode:
        sys.exit(configure.stdout + configure.stderr)
    build, tests = build_and_test()
    if build != "built" or tests != 0:
        sys.exit("The unmutated C++ tests do not pass; nothing to judge.")


def build_and_test() -> tuple[str, int | None]:
    build = run(["cmake", "--build", "build", "-j1"])
    if build.returncode:
        return "stillborn", None
    try:
        tests = run(["ctest", "--test-dir", "build", "--timeout", str(TEST_TIMEOUT)], timeout=TEST_TIMEOUT + 30)
    except subprocess.TimeoutExpired:
        return "built", -1
    return "built", tests.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--file", action="append", choices=FILES)
    args = parser.parse_args()
    started = time.monotonic()
    prepare()
    results: dict[str, Counter] = {}
    survivors: list[Mutant] = []
    for file in args.file or FILES:
        path = WORK / "cpp" / "src" / file
        original = path.read_text()
        todo = candidates(file, original)
        if args.quick:
            todo = todo[::3]
        counts = results.setdefault(file, Counter())
        for mutant in todo:
            path.write_text(apply(original, mutant))
            status, code = build_and_test()
            if status == "stillborn":
                counts["stillborn"] += 1
            elif code == 0:
                counts["survived"] += 1
                survivors.append(mutant)
            else:
                counts["killed"] += 1
            path.write_text(original)
        print(f"  {file}: {dict(counts)}", flush=True)
    print("\n== C++ (source mutations + ctest): kill rate per file")
    for file, counts in results.items():
        judged = counts["killed"] + counts["survived"]
        rate = f"{100 * counts['killed'] / judged:.0f}%" if judged else "n/a"
        print(f"  {file}: {counts['killed']}/{judged} killed ({rate}); {counts['stillborn']} did not compile")
    print(f"\n== C++: {len(survivors)} surviving mutants")
    for mutant in survivors:
        print(mutant.describe())
    print(f"\nC++ mutation run took {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

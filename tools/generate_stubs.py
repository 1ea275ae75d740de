"""Generate django_totp_native/_core.pyi from the built extension, or check it is current.

    python tools/generate_stubs.py --write   # regenerate the checked-in stub
    python tools/generate_stubs.py --check   # exit 1 (with a diff) when it has drifted

The stub is what type checkers and IDEs see; generating it from the module keeps it
honest. pybind11-stubgen is pinned in requirements-dev.txt so the output is stable.
"""

import argparse
import difflib
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
STUB = ROOT / "django_totp_native" / "_core.pyi"


def generate() -> str:
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [sys.executable, "-m", "pybind11_stubgen", "django_totp_native._core",
             "--output-dir", out, "--exit-code"],
            check=True, cwd=out, stdout=subprocess.DEVNULL,
        )
        return (pathlib.Path(out) / "django_totp_native" / "_core.pyi").read_text()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = parser.parse_args()
    fresh = generate()
    if args.write:
        STUB.write_text(fresh)
        print(f"wrote {STUB.relative_to(ROOT)}")
        return 0
    current = STUB.read_text() if STUB.exists() else ""
    if current == fresh:
        print("_core.pyi matches the built module")
        return 0
    sys.stdout.writelines(difflib.unified_diff(
        current.splitlines(keepends=True), fresh.splitlines(keepends=True),
        "django_totp_native/_core.pyi (checked in)", "generated from the built module"))
    print("\n_core.pyi is out of date: run `make stubs` and commit the result.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())

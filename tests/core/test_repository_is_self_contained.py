"""Nothing in the repository points at a file outside it (issue 17 item 10): the design
notes the code cites are ARCHITECTURE.md, and no test or tool reads ../shared."""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = ("DESIGN.md", "../shared", "shared/vectors", "shared/DESIGN")


def tracked_text_files():
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        listed = ""
    if "ARCHITECTURE.md" not in listed.splitlines():
        pytest.skip("not the repository's checkout (a copy of the tests run against a wheel)")
    for name in listed.splitlines():
        path = ROOT / name
        if path.suffix in {".py", ".md", ".cpp", ".hpp", ".txt", ".sh", ".toml", ".cfg", ".ini", ".html"} or path.name in (
            "Makefile", "run"
        ):
            yield path


def test_no_file_cites_or_reads_a_file_outside_the_repository():
    offenders = []
    files = list(tracked_text_files())
    assert len(files) > 100
    for path in files:
        if path.name == Path(__file__).name:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{path.relative_to(ROOT)}: {needle}" for needle in OUTSIDE if needle in text]
    assert offenders == []

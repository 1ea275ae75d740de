"""Hand-made breakages of guarantees, each with the tests that must fail when it is applied.

An outside audit (issue 16) broke guarantees by hand, one at a time; each breakage here is
one of them, written as an exact text replacement in one file.
``tools/mutate/check_breakages.py`` applies each in turn, runs the tests named in ``kills``
and requires every one of them to fail, then restores the file (and the build, for native
code). A breakage whose ``old``
text no longer occurs exactly once fails the run: when code moves, move the breakage too,
so the list keeps proving what it says.

Each module of this package defines ``BREAKAGES``; they are collected in file order.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Breakage:
    #: Short stable name (printed, and accepted by ``--only``).
    name: str
    #: Where it came from, e.g. "issue 16 item 1".
    source: str
    #: Path relative to the repository root.
    path: str
    #: Text that must occur exactly once in ``path``, and what it becomes.
    old: str
    new: str
    #: Tests that must each fail with the breakage applied (and pass without it).
    #: For suite "pytest": pytest node ids. For "ctest": ctest -R regular expressions.
    kills: tuple[str, ...]
    #: "pytest" (SQLite), "pytest-pg" (DATABASE_URL/REDIS_URL of the local services),
    #: "pytest-native" (rebuilds the extension first) or "ctest" (rebuilds the C++ tests).
    suite: str = "pytest"
    #: What the breakage does to a user, one line.
    why: str = ""
    env: dict = field(default_factory=dict)

"""The verdict of make compat-two-factor (tests/compat/two_factor_suite/run.py) can fail:
on an unexpected failure, a skip, an empty run and an expected failure that passes; and
the docs (docs/two-factor-auth.md) name every failure by design."""

import pytest

from tests.compat.two_factor_suite import run

EXPECTED = sorted(run.EXPECTED_FAILURES["native"])
A_TEST = "tests/test_views_login.py::LoginTest::test_valid_login"


def outcome_of_every_expected(outcome="failed"):
    return {test: outcome for test in EXPECTED}


def test_only_the_expected_failures_pass_the_verdict():
    assert run.verdict("native", {**outcome_of_every_expected(), A_TEST: "passed"}) == []
    assert run.verdict("two-factor", {A_TEST: "passed"}) == []


@pytest.mark.parametrize(
    "results, problem",
    [
        ({}, "no test ran"),
        ({A_TEST: "failed"}, f"unexpected failure: {A_TEST}"),
        ({A_TEST: "skipped"}, f"skipped: {A_TEST}"),
        ({EXPECTED[0]: "passed"}, f"expected to fail but passed (remove it from EXPECTED_FAILURES and docs/two-factor-auth.md): {EXPECTED[0]}"),
    ],
)
def test_the_verdict_fails(results, problem):
    results = {**outcome_of_every_expected(), **results} if results else {}
    assert problem in " | ".join(run.verdict("native", results))


def test_the_expected_failures_are_the_ones_the_docs_name():
    readme = (run.ROOT / "docs" / "two-factor-auth.md").read_text()
    section = readme[readme.index("## two-factor-auth's own tests"):]
    assert len(EXPECTED) == 5 and all(f"`{test}`" in section for test in EXPECTED)

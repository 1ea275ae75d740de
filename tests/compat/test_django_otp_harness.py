"""The verdict of make compat-django-otp (tests/compat/django_otp_suite/run.py) can fail:
on an unexpected failure, a skip, an empty run, an expected failure that passes, and a
rewrite rule that no longer matches the release."""

import pytest

from tests.compat.django_otp_suite import rewrite, run

EXPECTED = sorted(run.EXPECTED_FAILURES["native"])


def outcome_of_every_expected(outcome="failed"):
    return {test: outcome for test in EXPECTED}


def test_only_the_expected_failures_pass_the_verdict():
    assert run.verdict("native", {**outcome_of_every_expected(), "otp_totp/tests.py::TOTPTest::test_single": "passed"}) == []


@pytest.mark.parametrize(
    "results, problem",
    [
        ({}, "no test ran"),
        ({"otp_totp/tests.py::TOTPTest::test_single": "failed"}, "unexpected failure: otp_totp/tests.py::TOTPTest::test_single"),
        ({"otp_totp/tests.py::TOTPTest::test_single": "skipped"}, "skipped: otp_totp/tests.py::TOTPTest::test_single"),
        ({EXPECTED[0]: "passed"}, f"expected to fail but passed (remove it from EXPECTED_FAILURES and the README): {EXPECTED[0]}"),
    ],
)
def test_the_verdict_fails(results, problem):
    results = {**outcome_of_every_expected(), **results} if results else {}
    assert problem in " | ".join(run.verdict("native", results))


def test_the_expected_failures_are_the_ones_the_readme_names():
    readme = (run.ROOT / "README.md").read_text()
    section = readme[readme.index("### django-otp's own tests"):]
    assert EXPECTED and all(f"`{test}`" in section for test in EXPECTED)


def test_a_rule_that_matches_nothing_fails_the_run():
    rules = [("otp_totp/tests.py", ".totpdevice_set.", ".native_totpdevice_set.")]
    text, applied = rewrite.apply("otp_totp/tests.py", "self.alice.totpdevice_set.create()", rules)
    assert text == "self.alice.native_totpdevice_set.create()" and applied == [(rules[0][1], rules[0][2], 1)]
    with pytest.raises(rewrite.RuleDidNotMatch):
        rewrite.apply("otp_totp/tests.py", "self.alice.devices.create()", rules)

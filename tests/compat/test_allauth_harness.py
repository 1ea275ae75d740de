"""The verdict of make compat-allauth (tests/compat/allauth_suite/run.py) can fail: on a
failure, a skip, an empty run, a seal check that read nothing, and a plaintext secret left
in allauth's table after a test that is not named as writing one itself."""

import pytest

from tests.compat.allauth_suite import run

PASSED = {"tests/apps/mfa/totp/test_views.py::test_activate_totp": "passed"}
SEALED = {"tests": 1, "rows": 2, "values": 2, "plaintext": []}
WRITER = sorted(run.WRITES_PLAINTEXT)[0]


def test_a_clean_run_passes_the_verdict():
    assert run.verdict(PASSED, SEALED) == []
    assert run.verdict(PASSED, {**SEALED, "plaintext": [WRITER]}) == []


@pytest.mark.parametrize(
    "results, sealing, problem",
    [
        ({}, SEALED, "no test ran"),
        ({**PASSED, "tests/apps/mfa/x.py::test_y": "failed"}, SEALED, "unexpected failure: tests/apps/mfa/x.py::test_y"),
        ({**PASSED, "tests/apps/mfa/x.py::test_y": "skipped"}, SEALED, "skipped: tests/apps/mfa/x.py::test_y"),
        (PASSED, {}, "the seal check read no TOTP secret"),
        (PASSED, {**SEALED, "plaintext": ["tests/apps/mfa/x.py::test_y"]}, "plaintext TOTP secret or recovery seed"),
    ],
)
def test_the_verdict_fails(results, sealing, problem):
    assert problem in " | ".join(run.verdict(results, sealing))


def test_the_tests_writing_plaintext_are_the_ones_the_docs_name():
    readme = (run.ROOT / "docs" / "allauth.md").read_text()
    section = readme[readme.index("## django-allauth's own tests"):]
    assert run.WRITES_PLAINTEXT and all(f"`{test}`" in section for test in run.WRITES_PLAINTEXT)

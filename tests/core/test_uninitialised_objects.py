"""Issue 18 item 7: a Fernet or MultiFernet whose __init__ never ran (``Fernet.__new__(Fernet)``)
must be refused with TypeError by every entry point that reads it, never handed to the
core as uninitialised memory (which crashed the interpreter).

Each case runs in its own interpreter, so a regression shows as that case's crash exit code
(e.g. -11 for SIGSEGV), not as a dead test run.
"""

import subprocess
import sys
import textwrap

import pytest

from django_totp_native import core

TOKEN = "b'gAAAAAB' + b'A' * 100"  # shape of a token; never reaches the core

FERNET_METHODS = {
    "encrypt": "encrypt(b'x')",
    "encrypt_at_time": "encrypt_at_time(b'x', 1_700_000_000)",
    "decrypt": f"decrypt({TOKEN})",
    "decrypt_ttl": f"decrypt({TOKEN}, ttl=60)",
    "decrypt_at_time": f"decrypt_at_time({TOKEN}, 60, 1_700_000_000)",
    "extract_timestamp": f"extract_timestamp({TOKEN})",
}
MULTI_METHODS = {
    "encrypt": "encrypt(b'x')",
    "encrypt_at_time": "encrypt_at_time(b'x', 1_700_000_000)",
    "decrypt": f"decrypt({TOKEN})",
    "decrypt_ttl": f"decrypt({TOKEN}, ttl=60)",
    "decrypt_at_time": f"decrypt_at_time({TOKEN}, 60, 1_700_000_000)",
    "rotate": f"rotate({TOKEN})",
    "extract_timestamp": f"extract_timestamp({TOKEN})",
}
# Uninitialised objects of each kind, including a Python subclass of each.
UNINITIALISED = {
    "Fernet": ("Fernet", "F.__new__(F)"),
    "Fernet-subclass": ("Fernet", "SubF.__new__(SubF)"),
    "MultiFernet": ("MultiFernet", "M.__new__(M)"),
    "MultiFernet-subclass": ("MultiFernet", "SubM.__new__(SubM)"),
}
# Functions that take a Fernet or MultiFernet; {obj} is the uninitialised object.
FUNCTIONS = {
    "totp_match_sealed": "core.totp_match_sealed({obj}, " + TOKEN + ", '123456', 1_700_000_000)",
    "backup_code_digest_sealed": "core.backup_code_digest_sealed({obj}, " + TOKEN + ", 'abcd-efgh')",
}

PRELUDE = textwrap.dedent(
    """\
    from django_totp_native import core
    F, M = core.Fernet, core.MultiFernet
    class SubF(F):
        pass
    class SubM(M):
        pass
    GOOD = F(F.generate_key())
    """
)


def _run(expression: str) -> subprocess.CompletedProcess:
    source = PRELUDE + textwrap.dedent(
        f"""\
        try:
            {expression}
        except Exception as error:
            print(type(error).__name__ + ": " + str(error))
        else:
            print("no error")
        """
    )
    return subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=60
    )


def _assert_refused(expression: str, class_name: str) -> None:
    result = _run(expression)
    assert result.returncode == 0, (
        f"interpreter died (exit {result.returncode}) on {expression}\n{result.stderr[-2000:]}"
    )
    assert result.stdout.strip() == f"TypeError: {class_name} object is not initialised", (
        expression,
        result.stdout,
        result.stderr[-2000:],
    )


@pytest.mark.parametrize("subclass", [False, True], ids=["Fernet", "subclass"])
@pytest.mark.parametrize("method", sorted(FERNET_METHODS))
def test_fernet_methods_refuse_an_uninitialised_fernet(method, subclass):
    obj = "SubF.__new__(SubF)" if subclass else "F.__new__(F)"
    _assert_refused(f"{obj}.{FERNET_METHODS[method]}", "Fernet")


@pytest.mark.parametrize("subclass", [False, True], ids=["MultiFernet", "subclass"])
@pytest.mark.parametrize("method", sorted(MULTI_METHODS))
def test_multifernet_methods_refuse_an_uninitialised_multifernet(method, subclass):
    obj = "SubM.__new__(SubM)" if subclass else "M.__new__(M)"
    _assert_refused(f"{obj}.{MULTI_METHODS[method]}", "MultiFernet")


@pytest.mark.parametrize(
    "fernets",
    ["[F.__new__(F)]", "[GOOD, F.__new__(F)]", "(f for f in [SubF.__new__(SubF), GOOD])"],
    ids=["only", "second", "subclass-first-in-generator"],
)
def test_multifernet_refuses_an_uninitialised_fernet(fernets):
    _assert_refused(f"M({fernets})", "Fernet")


@pytest.mark.parametrize("which", sorted(UNINITIALISED))
@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_functions_refuse_an_uninitialised_key_ring(function, which):
    class_name, obj = UNINITIALISED[which]
    _assert_refused(FUNCTIONS[function].format(obj=obj), class_name)


def test_every_method_and_key_ring_function_is_covered():
    """A method or key-ring function added later must be added to the cases above."""
    public = lambda cls: {n for n in vars(cls) if not n.startswith("_")} - {"generate_key"}
    assert public(core.Fernet) == {m.removesuffix("_ttl") for m in FERNET_METHODS}
    assert public(core.MultiFernet) == {m.removesuffix("_ttl") for m in MULTI_METHODS}
    takes_a_key_ring = {
        name
        for name in dir(core)
        if callable(getattr(core, name))
        and "Fernet | MultiFernet" in (getattr(core, name).__doc__ or "").split("\n", 1)[0]
    }
    assert takes_a_key_ring == set(FUNCTIONS)


def test_initialising_later_makes_the_object_usable():
    """The check reads pybind11's holder flag, so __init__ after __new__ is accepted."""
    key = core.Fernet.generate_key()
    fernet = core.Fernet.__new__(core.Fernet)
    fernet.__init__(key)
    multi = core.MultiFernet.__new__(core.MultiFernet)
    multi.__init__([fernet])
    token = multi.encrypt(b"x")
    assert fernet.decrypt(token) == b"x"
    assert core.Fernet(key).decrypt(multi.rotate(token)) == b"x"

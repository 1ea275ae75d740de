"""_core.pyi, the docstrings' signature lines and the callables themselves agree.

The bindings declare each parameter once (python/bindings/fastcall.hpp); the argument
parser and the docstring's first line come from that declaration, and _core.pyi is
generated from the docstrings. `make stubs-check` compares the checked-in stub with a
fresh one in a source checkout; these tests run wherever the module is imported (an
installed wheel, the ASan build) and check, for every function and method:

- the stub and the docstring's signature line give the same parameters (names, kinds,
  defaults, annotations) and return annotation;
- the callable takes every name the stub shows as a keyword and refuses any other, takes
  positionally exactly the parameters before the stub's ``*``, and requires exactly the
  parameters without a default;
- omitting a parameter answers as passing the default the stub shows (a body states
  that default a second time, in C++), on arguments where another value would change
  the answer.
"""

import ast
import importlib.resources
import re
import time
from dataclasses import dataclass

import pytest

from django_totp_native import _core

STUB_TEXT = (importlib.resources.files("django_totp_native") / "_core.pyi").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # ast's: "posonly", "positional", "kwonly", "vararg" or "kwarg"
    default: str | None  # Python source; None: required
    annotation: str | None


@dataclass(frozen=True)
class Signature:
    name: str
    params: tuple[Param, ...]
    returns: str | None


def source(node):
    return None if node is None else ast.unparse(node)


def signature_of(node: ast.FunctionDef) -> Signature:
    args = node.args
    positional = [(a, "posonly") for a in args.posonlyargs] + [(a, "positional") for a in args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    params = [
        Param(a.arg, kind, source(d), source(a.annotation)) for (a, kind), d in zip(positional, defaults)
    ]
    if args.vararg:
        params.append(Param(args.vararg.arg, "vararg", None, source(args.vararg.annotation)))
    params += [
        Param(a.arg, "kwonly", source(d), source(a.annotation))
        for a, d in zip(args.kwonlyargs, args.kw_defaults)
    ]
    if args.kwarg:
        params.append(Param(args.kwarg.arg, "kwarg", None, source(args.kwarg.annotation)))
    return Signature(node.name, tuple(params), source(node.returns))


def stub_signatures() -> dict[str, Signature]:
    """Every def in _core.pyi, by qualified name ("hotp", "Fernet.decrypt")."""
    found = {}
    for node in ast.parse(STUB_TEXT).body:
        if isinstance(node, ast.FunctionDef):
            found[node.name] = signature_of(node)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    found[f"{node.name}.{item.name}"] = signature_of(item)
    return found


def module_callables() -> dict[str, object]:
    """Every public function and method of the module, and each class's __init__."""
    found = {}
    for name, obj in vars(_core).items():
        if name.startswith("_"):
            continue
        if isinstance(obj, type):
            for attr in vars(obj):
                if (attr == "__init__" or not attr.startswith("_")) and callable(getattr(obj, attr)):
                    found[f"{name}.{attr}"] = getattr(obj, attr)
        elif callable(obj):
            found[name] = obj
    return found


def docstring_signature(obj) -> Signature:
    (node,) = ast.parse(f"def {obj.__doc__.splitlines()[0]}: ...").body
    return signature_of(node)


STUB = stub_signatures()
CALLABLES = sorted(STUB)

# pybind11 dispatches these itself (they take no arguments, so nothing they refuse can
# be a secret): their refusals are pybind11's "incompatible function arguments".
PYBIND11_DISPATCHED = {"Fernet.generate_key"}

SENTINEL = object()  # of no type any parameter expects: a call with it fails after parsing, if at all
FERNET_KEY = _core.Fernet.generate_key()


@dataclass
class Target:
    call: object
    params: tuple[Param, ...]  # without self
    # FastSignature counts a bound method's instance among the positional arguments (as
    # Python does); a constructor's errors, which name the class, do not.
    counted_self: int


def target(qualname: str) -> Target:
    """What to call to exercise |qualname| as a user would: the function, a method
    bound to an instance, the class for __init__, or the static method."""
    params = tuple(p for p in STUB[qualname].params if p.name != "self")
    class_name, _, attr = qualname.rpartition(".")
    if not class_name:
        return Target(getattr(_core, attr), params, 0)
    cls = getattr(_core, class_name)
    if attr == "__init__":
        return Target(cls, params, 0)
    if isinstance(vars(cls)[attr], staticmethod):
        return Target(getattr(cls, attr), params, 0)
    fernet = _core.Fernet(FERNET_KEY)
    instance = fernet if cls is _core.Fernet else _core.MultiFernet([fernet])
    return Target(getattr(instance, attr), params, 1)


def type_error(call, *args, **kwargs) -> str:
    """The message of the TypeError the call raises, or "" (it returned or raised another
    exception: its arguments were accepted)."""
    try:
        call(*args, **kwargs)
    except TypeError as exc:
        return str(exc)
    except Exception:
        pass
    return ""


# --- the stub against the module --------------------------------------------------------


def test_the_stub_and_the_module_have_the_same_functions_and_methods():
    assert set(STUB) == set(module_callables())


@pytest.mark.parametrize("qualname", CALLABLES)
def test_stub_matches_the_docstring_signature(qualname):
    documented = docstring_signature(module_callables()[qualname])
    assert documented == STUB[qualname]
    # FastSignature has no positional-only parameters and no *args or **kwargs.
    assert {p.kind for p in documented.params} <= {"positional", "kwonly"}


# --- the stub against the behaviour -----------------------------------------------------


@pytest.mark.parametrize("qualname", CALLABLES)
def test_every_parameter_of_the_stub_is_accepted_as_a_keyword(qualname):
    t = target(qualname)
    for param in t.params:
        assert "unexpected keyword argument" not in type_error(t.call, **{param.name: SENTINEL}), param.name


@pytest.mark.parametrize("qualname", CALLABLES)
def test_a_keyword_the_stub_does_not_show_is_refused_by_name(qualname):
    t = target(qualname)
    with pytest.raises(TypeError) as refused:
        t.call(not_a_parameter=SENTINEL)
    if qualname in PYBIND11_DISPATCHED:
        assert "not_a_parameter" in str(refused.value)
    else:
        assert "unexpected keyword argument 'not_a_parameter'" in str(refused.value)


@pytest.mark.parametrize("qualname", CALLABLES)
def test_positional_arguments_stop_where_the_stub_puts_its_star(qualname):
    t = target(qualname)
    positional = sum(p.kind == "positional" for p in t.params)
    assert "positional argument" not in type_error(t.call, *[SENTINEL] * positional)
    if qualname in PYBIND11_DISPATCHED:
        expected = "incompatible function arguments"
    else:
        most = positional + t.counted_self
        expected = f"takes at most {most} positional arguments ({most + 1} given)"
    with pytest.raises(TypeError, match=re.escape(expected)):
        t.call(*[SENTINEL] * (positional + 1))


@pytest.mark.parametrize("qualname", CALLABLES)
def test_exactly_the_parameters_without_a_default_are_required(qualname):
    t = target(qualname)
    required = {p.name: SENTINEL for p in t.params if p.default is None}
    assert "missing required argument" not in type_error(t.call, **required)
    for name in required:
        with pytest.raises(TypeError, match=re.escape(f"missing required argument '{name}'")):
            t.call(**{other: SENTINEL for other in required if other != name})


# --- the stub's defaults against the bodies' --------------------------------------------

NOW = 1_700_000_000
OTP_KEY = b"12345678901234567890"
OTP_SECRET = _core.b32encode(OTP_KEY)
SEALED_SECRET = _core.Fernet(FERNET_KEY).encrypt(OTP_SECRET.encode())
OLD_TOKEN = _core.Fernet(FERNET_KEY).encrypt_at_time(b"plaintext", 1_000)
CHALLENGE_KEY = b"challenge-key-0123456789"
CHALLENGE = _core.sign_challenge(CHALLENGE_KEY, "42", "login", NOW)


def claims(token):
    return _core.verify_challenge(CHALLENGE_KEY, token, "login", 10**9, NOW)[:2]  # without the random nonce


def code_shapes(codes):
    return [(len(code), [i for i, c in enumerate(code) if c == "-"]) for code in codes]


@dataclass
class DefaultsCase:
    required: dict  # valid arguments for the required parameters
    others: dict  # per parameter with a default: a value that changes the answer here
    view: object = lambda result: result  # what to compare of a result (random parts left out)


# At step 10 (for_time 300) a code of step 9 matches only through window=1 and only
# above after_step=-1; a longer period, a later t0, 8 digits or SHA256 each miss it.
MATCH_OTHERS = dict(period=60, digits=8, algorithm="SHA256", t0=100, window=0, after_step=9)

DEFAULTS_CASES = {
    "b32encode": DefaultsCase(dict(data=b"abc"), dict(padding=True)),
    "generate_backup_codes": DefaultsCase({}, dict(count=3, length=8, group=0), code_shapes),
    "hotp": DefaultsCase(dict(key=OTP_KEY, counter=1), dict(digits=8, algorithm="SHA256")),
    "provisioning_uri": DefaultsCase(
        dict(secret=OTP_SECRET, account="alice"),
        dict(issuer="Example", algorithm="SHA256", digits=8, period=60, image="https://example.com/logo.png"),
    ),
    "qr_png": DefaultsCase(dict(data="otpauth://totp/x"), dict(ecc="H", border=1, scale=2)),
    "qr_svg": DefaultsCase(
        dict(data="otpauth://totp/x"), dict(ecc="H", border=1, dark="#123456", light="#abcdef")
    ),
    "random_secret": DefaultsCase({}, dict(nbytes=32), len),
    # issued_at and now default to the clock, which the test stops at NOW.
    "sign_challenge": DefaultsCase(
        dict(key=CHALLENGE_KEY, subject="42", purpose="login"), dict(issued_at=NOW - 100), claims
    ),
    "verify_challenge": DefaultsCase(
        dict(key=CHALLENGE_KEY, token=CHALLENGE, purpose="login", max_age=60), dict(now=NOW + 3600)
    ),
    "totp": DefaultsCase(
        dict(key=OTP_KEY, for_time=NOW), dict(period=60, digits=8, algorithm="SHA512", t0=100)
    ),
    "totp_match": DefaultsCase(dict(key=OTP_KEY, code=_core.hotp(OTP_KEY, 9), for_time=300), MATCH_OTHERS),
    "totp_match_sealed": DefaultsCase(
        dict(
            fernet=_core.Fernet(FERNET_KEY),
            sealed_secret=SEALED_SECRET,
            code=_core.hotp(OTP_KEY, 9),
            for_time=300,
        ),
        MATCH_OTHERS,
    ),
    # backend is ignored, as in cryptography: no other value can change the answer.
    "Fernet.__init__": DefaultsCase(dict(key=FERNET_KEY), {}, lambda fernet: fernet.decrypt(OLD_TOKEN)),
    "Fernet.decrypt": DefaultsCase(dict(token=OLD_TOKEN), dict(ttl=60)),
    "MultiFernet.decrypt": DefaultsCase(dict(msg=OLD_TOKEN), dict(ttl=60)),
}
IGNORED_PARAMETERS = {"Fernet.__init__": {"backend"}}


def with_defaults(qualname):
    return [p for p in target(qualname).params if p.default is not None]


def test_every_parameter_with_a_default_has_a_case():
    for qualname in CALLABLES:
        optional = {p.name for p in with_defaults(qualname)}
        if not optional:
            assert qualname not in DEFAULTS_CASES
            continue
        case = DEFAULTS_CASES[qualname]
        assert set(case.others) == optional - IGNORED_PARAMETERS.get(qualname, set()), qualname


@pytest.mark.parametrize("qualname", sorted(DEFAULTS_CASES))
def test_omitting_a_parameter_is_passing_the_default_the_stub_shows(qualname, monkeypatch):
    monkeypatch.setattr(time, "time", lambda: float(NOW))
    t, case = target(qualname), DEFAULTS_CASES[qualname]

    def answer(**extra):
        try:
            return case.view(t.call(**case.required, **extra))
        except Exception as exc:  # an expired token is an answer too
            return type(exc)

    omitted = answer()
    for param in with_defaults(qualname):
        assert answer(**{param.name: ast.literal_eval(param.default)}) == omitted, param.name
        if param.name in case.others:
            other = answer(**{param.name: case.others[param.name]})
            assert other != omitted, f"{param.name}: another value gives the same answer, so this case proves nothing"

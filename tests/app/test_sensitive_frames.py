"""Every function of the package that holds a secret, code, password or token hides it
from Django's error reports (issue 16 item 2).

Django's error report (the admin error e-mail, error trackers) prints the local variables
of every frame unless the function is decorated with ``sensitive_variables``. The tests in
``test_error_reports_and_hostile_bodies.py`` force failures through the main flows; this
one enumerates instead: it reads every function of the package and requires each one
whose parameters or locals carry a sensitive name to be decorated so that those names
(or all of its variables) are hidden. A new function that takes a ``token`` cannot be
forgotten. Names that look sensitive but are not (an HTTP status code, the time a code
was used) are listed in ``NOT_SECRET`` with the reason.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest
from django.views.debug import ExceptionReporter

import django_totp_native

PACKAGE = Path(django_totp_native.__file__).parent

#: Words that make a variable sensitive when they are one of its ``_``-separated parts:
#: ``otp_code``, ``sealed``, ``raw_password``, ``backup_key``, ``png`` (the QR of a secret)…
SENSITIVE_WORDS = {
    "secret", "secrets", "token", "tokens", "code", "codes", "password", "passwords",
    "key", "keys", "sealed", "uri", "svg", "png", "otp", "digest", "digests", "plaintext",
}

#: (module, qualified function name, variable) -> why it holds nothing secret.
NOT_SECRET = {
    ("openapi", "errors", "code"): "an HTTP status code of the schema",
    ("openapi", "errors", "status_codes"): "HTTP status codes of the schema",
    ("services.management", "status_of", "code_time"): "when a code was last used (a time)",
    ("services.throttling", "_Reservation.__init__", "key"): "a cache key: a keyed hash of the login name",
    ("services.throttling", "_Reservation.release", "key"): "a cache key: a keyed hash of the login name",
    ("services.throttling", "_incr", "key"): "a cache key: a keyed hash of the login name",
    ("services.throttling", "_reserve", "key"): "a cache key: a keyed hash of the login name",
    ("services.throttling", "_reserve", "digest"): "a keyed hash of the login name",
    ("services.throttling", "_reserve_device_failure", "key"): "a cache key: a keyed hash of a device token's nonce",
    ("services.throttling", "begin_password_attempt", "digest"): "a keyed hash of the login name",
    ("session.forms", "ConfirmChangeForm.__init__", "require_code"): "a flag: whether the form asks for a code",
    ("session.views", "VerifyView.finish", "used_backup_code"): "a flag: whether a backup code was used",
    ("admin_site", "OTPAdminSiteMixin._finish_login", "used_backup_code"): "a flag: whether a backup code was used",
    ("drf", "DetailErrorsMixin.handle_exception", "codes"): "DRF's error codes of a validation error",
    ("management.commands.totp_status", "Command.handle", "check_keys"): "a flag: --check-keys",
    ("services.importer", "import_django_totp", "has_codes"): "a flag: whether the table has backup codes",
    ("services.importer", "import_django_totp", "secret_column"): "the name of a column",
}


def is_sensitive(name: str) -> bool:
    return any(part in SENSITIVE_WORDS for part in name.lower().strip("_").split("_"))


def _variables(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Parameters and every name the function itself assigns (not its nested functions)."""
    args = function.args
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue  # their own frames, checked on their own
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                names.add(child.id)
            visit(child)

    visit(function)
    return names


def _hidden_by_decorator(function) -> set[str] | str | None:
    """What ``@sensitive_variables(...)`` on the function hides: "all", names, or None."""
    for decorator in function.decorator_list:
        if not isinstance(decorator, ast.Call):
            continue
        callee = decorator.func
        name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", None)
        if name == "sensitive_variables":
            if not decorator.args:
                return "all"
            return {a.value for a in decorator.args if isinstance(a, ast.Constant)}
    return None


def _functions(tree: ast.Module):
    """(qualified name, node) of every function, methods and nested functions included."""

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield prefix + child.name, child
                yield from walk(child, f"{prefix}{child.name}.<locals>.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(tree, "")


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "migrations":
            continue
        yield ".".join(relative.with_suffix("").parts), path


def unprotected() -> list[str]:
    problems = []
    for module, path in _modules():
        for qualname, function in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            sensitive = {n for n in _variables(function) if is_sensitive(n)}
            sensitive -= {v for (m, f, v) in NOT_SECRET if m == module and f == qualname}
            hidden = _hidden_by_decorator(function)
            if hidden == "all" or not sensitive:
                continue
            shown = sorted(sensitive - (hidden or set()))
            if shown:
                problems.append(f"{module}.{qualname} (line {function.lineno}) shows {', '.join(shown)}")
    return problems


def test_every_function_holding_a_secret_hides_it_from_error_reports():
    assert unprotected() == []


def test_the_exemptions_name_variables_that_exist():
    # An exemption whose function or variable was renamed would silently exempt nothing
    # today and something else tomorrow.
    present = set()
    for module, path in _modules():
        for qualname, function in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            present |= {(module, qualname, name) for name in _variables(function)}
    assert sorted(set(NOT_SECRET) - present) == []


def test_the_enumeration_finds_what_it_is_for():
    # The walker must see the functions the error-report tests exercise by hand, or the
    # check above could pass by finding nothing.
    found = {
        (module, qualname)
        for module, path in _modules()
        for qualname, function in _functions(ast.parse(path.read_text(encoding="utf-8")))
        if any(is_sensitive(n) for n in _variables(function))
    }
    for expected in [
        ("services.enrollment_tokens", "user_for"),
        ("services.challenges", "complete"),
        ("services.recovery", "check_link"),
        ("services.keys", "fernet"),
        ("permissions", "credential_has_second_factor"),
    ]:
        assert expected in found, expected
    assert len(found) > 60


# The decorator really hides what the AST check says it does ------------------------------


def _protected_callables():
    """Every module-level function and method the package defines with the decorator."""
    for module, _path in _modules():
        try:
            mod = importlib.import_module(f"django_totp_native.{module}")
        except ImportError:  # an optional extra (drf-spectacular, simplejwt) is absent
            continue
        for name, value in vars(mod).items():
            candidates = [(name, value)]
            if inspect.isclass(value) and value.__module__ == mod.__name__:
                candidates += [(f"{name}.{k}", v) for k, v in vars(value).items()]
            for qualname, obj in candidates:
                obj = getattr(obj, "__func__", obj)
                if getattr(obj, "__name__", None) and getattr(obj, "__code__", None) is not None:
                    if obj.__code__.co_name == "sensitive_variables_wrapper" and obj.__module__ == mod.__name__:
                        yield f"{module}.{qualname}", obj


def test_a_decorated_service_hides_its_token_in_a_real_report(monkeypatch):
    """End to end for the function the audit found unprotected: a failure inside
    ``enrollment_tokens.user_for`` is reported without the token it was given."""
    from django_totp_native.services import enrollment_tokens

    token = "TOKEN-" + "x" * 40

    def failing(*args, **kwargs):
        raise RuntimeError("forced failure")

    monkeypatch.setattr(enrollment_tokens.core, "verify_challenge", failing)
    with pytest.raises(RuntimeError) as failure:
        enrollment_tokens.user_for(token)
    reporter = ExceptionReporter(None, failure.type, failure.value, failure.tb)
    shown = [
        f"{name}={value}"
        for frame in reporter.get_traceback_frames()
        if frame["function"] == "user_for"
        for name, value in frame["vars"]
    ]
    assert shown, "the report has no frame of user_for"
    assert not any(token in line for line in shown)


def test_the_runtime_wrappers_match_the_source():
    wrapped = dict(_protected_callables())
    assert "services.enrollment_tokens.user_for" in wrapped
    assert "services.challenges.complete" in wrapped

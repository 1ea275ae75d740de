"""django-totp's public names, in one place.

A project moving from django-totp changes only the import name, so every module path and
name django-totp documents must keep working (``django_totp_native.auth``, ``totp``,
``backup_code_utils``, ``views.JWTCreateView``, ``models.MAX_BACKUP_CODES`` ...). The
code behind those names lives in this package, one module per django-totp module; the
module at the old path is a face that re-exports it and nothing else. The app's own code
calls the services, never these names (the recovery e-mails are the one exception: they
are django-totp's classes, which projects subclass).

django-totp also had module constants read from the settings at import time. Here each
is served by a PEP 562 ``__getattr__`` that reads ``conf`` on every access, so
``override_settings`` reaches them.
"""

from __future__ import annotations

import importlib
from typing import Callable, Mapping


def public_name(compat_module: str) -> str:
    """The django-totp path a compat module stands for: ``...compat.auth`` -> ``...auth``."""
    return compat_module.replace(".compat.", ".", 1)


def lazy_names(compat_module: str, getters: Mapping[str, Callable[[], object]]):
    """A module ``__getattr__`` serving each of ``getters``' names by calling its getter."""

    def __getattr__(name):
        getter = getters.get(name)
        if getter is None:
            raise AttributeError(f"module {public_name(compat_module)!r} has no attribute {name!r}")
        return getter()

    return __getattr__


def face(module: str):
    """The ``__getattr__`` of the module at a django-totp path (``module``, its
    ``__name__``): serves the names its compat module exports (``__all__``) or computes
    (``LAZY_NAMES``), importing that module only when one of them is asked for."""
    compat_module = module.replace("django_totp_native.", "django_totp_native.compat.", 1)

    def __getattr__(name):
        source = importlib.import_module(compat_module)
        if name in getattr(source, "__all__", ()) or name in getattr(source, "LAZY_NAMES", {}):
            return getattr(source, name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__

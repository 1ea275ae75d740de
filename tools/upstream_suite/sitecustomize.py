"""Import alias for running django-totp's own tests against django_totp_native.

On PYTHONPATH (tools/run_upstream_suite.sh puts it there), so it applies to the test
process and to every Python subprocess the tests start: ``django_totp`` and each
``django_totp.X`` resolve to the very module objects of ``django_totp_native[.X]``.
Nothing of django-totp itself is imported. Not part of the installed package.
"""

import importlib
import importlib.abc
import importlib.util
import sys

ALIAS = "django_totp"
TARGET = "django_totp_native"


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self._real_spec = module.__spec__
        return module

    def exec_module(self, module):
        # The import system stamped the alias spec on the shared module: put the real one
        # back so relative imports and reloads inside the package keep working.
        module.__spec__ = self._real_spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        real = TARGET + fullname[len(ALIAS):]
        if importlib.util.find_spec(real) is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(real))


if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())

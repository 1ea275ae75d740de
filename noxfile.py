"""The tested Python x Django matrix, run against the manylinux wheels in dist/.

    make matrix                  every combination: the full suite (core + app, no browser
                                 tests) and the wheel smoke, warnings as errors
    nox -t ci                    what CI runs: the full suite once per Django version, the
                                 smoke where nothing else in CI installs that combination
    nox -l                       the sessions

Each session installs the wheel built for its Python (``make wheels``), never this source
tree, with the Django, DRF and SimpleJWT releases that support that Django, and runs the
tests of the sdist those wheels were built from, copied outside the tree
(tools/wheels/stage_suite.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nox

REPO = Path(__file__).resolve().parent
BUILD = REPO / "build" / "nox"

nox.options.envdir = str(BUILD / "envs")
nox.options.default_venv_backend = "venv"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["suite", "smoke"]

#: Django series -> (the Pythons it supports among ours, the requirements that go with it).
#: Django 4.2 LTS: Python 3.8-3.12; 5.2 LTS: 3.10-3.14; 6.0: 3.12+. DRF 3.18 dropped
#: Django < 5.2, SimpleJWT 5.5 covers 4.2-6.0.
DJANGO = {
    "4.2": (("3.10", "3.11", "3.12"),
            ["Django~=4.2.0", "djangorestframework>=3.15,<3.18", "djangorestframework-simplejwt>=5.3"]),
    "5.2": (("3.10", "3.11", "3.12", "3.13"),
            ["Django~=5.2.0", "djangorestframework>=3.16", "djangorestframework-simplejwt>=5.5"]),
    "6.0": (("3.12", "3.13"),
            ["Django~=6.0.0", "djangorestframework>=3.17", "djangorestframework-simplejwt>=5.5"]),
}
#: CI's share (its 90-minute budget). Full suites: once per Django version; for 5.2 that
#: is `make test` (dev venv, Python 3.11) and its PostgreSQL run, so here only 4.2 and 6.0.
#: Smoke: the cells that neither a full suite here nor `make wheels-check` (each wheel with
#: the newest Django its Python allows: 3.10 and 3.11 with 5.2, 3.12 and 3.13 with 6.0)
#: already runs, so that CI installs and exercises every cell of the table at least once.
CI_FULL = {("3.10", "4.2"), ("3.12", "6.0")}
CI_SMOKE = {("3.11", "4.2"), ("3.12", "4.2"), ("3.12", "5.2"), ("3.13", "5.2")}

SUITE_DEPS = ["pytest>=8", "pytest-django>=4.8", "hypothesis>=6", "cryptography>=42", "pyotp>=2.9",
              "qrcode>=7.4", "django-redis>=5.4", "redis>=5", "psycopg[binary]>=3.1", "dj-database-url>=2",
              # test_admin_beside_django_otp.py: django-otp's admin site beside ours.
              "django-otp>=1.5"]
SMOKE_DEPS = ["pytest>=8", "pytest-django>=4.8", "pyotp>=2.9"]


def _interpreters_on_path() -> None:
    """pyenv's shims answer `python3.12` only for activated versions: put a folder of
    links to each real interpreter first on PATH so that nox finds all of them."""
    bin_dir = BUILD / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for version in sorted({v for pythons, _ in DJANGO.values() for v in pythons}):
        found = subprocess.run(["bash", str(REPO / "tools/wheels/find-python.sh"), version],
                               capture_output=True, text=True)
        if found.returncode == 0:
            link = bin_dir / f"python{version}"
            link.unlink(missing_ok=True)
            link.symlink_to(found.stdout.strip())
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


_interpreters_on_path()


def _params(ci: set[tuple[str, str]]):
    return [
        nox.param(python, django, id=f"{python}-django{django}", tags=["ci"] if (python, django) in ci else [])
        for django, (pythons, _) in DJANGO.items()
        for python in pythons
    ]


def _wheel(session: nox.Session) -> Path:
    tag = "cp" + session.python.replace(".", "")
    wheels = sorted(REPO.glob(f"dist/django_totp_native-*-{tag}-{tag}-manylinux*.whl"))
    if not wheels:
        session.error(f"no {tag} manylinux wheel in dist/: run `make wheels` first")
    return wheels[-1]


def _install(session: nox.Session, django: str, deps: list[str]) -> None:
    session.install(f"{_wheel(session)}[jwt,redis]", *DJANGO[django][1], *deps)
    session.run("python", "-c", "import django, rest_framework, rest_framework_simplejwt as j, sys; "
                "print(f'Python {sys.version.split()[0]}, Django {django.get_version()}, '"
                "f'DRF {rest_framework.VERSION}, SimpleJWT {j.__version__}')")


def _stage(session: nox.Session, *args: str) -> Path:
    """The tests of the sdist that the wheels were built from (this checkout may differ)."""
    sdists = sorted(REPO.glob("dist/django_totp_native-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not sdists:
        session.error("no sdist in dist/: run `make wheels` first")
    dest = BUILD / "suites" / session.name.replace("(", "-").replace(")", "")
    session.run(sys.executable, str(REPO / "tools/wheels/stage_suite.py"), str(dest), *args,
                "--source", str(sdists[-1]), external=True, silent=True)
    return dest


@nox.session
@nox.parametrize("python,django", _params(CI_FULL))
def suite(session: nox.Session, django: str) -> None:
    """The core and app test suites (no browser tests) against the installed wheel."""
    _install(session, django, SUITE_DEPS)
    dest = _stage(session)
    session.chdir(dest)
    # MATRIX_SUITE=tests/app in CI: `make wheels-check` has run tests/core on every wheel.
    paths = os.environ.get("MATRIX_SUITE", "tests/core tests/app").split()
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not browser", *paths,
                *session.posargs)


@nox.session
@nox.parametrize("python,django", _params(CI_SMOKE))
def smoke(session: nox.Session, django: str) -> None:
    """Migrate, enrol, confirm and the JWT two-step login against the installed wheel."""
    _install(session, django, SMOKE_DEPS)
    dest = _stage(session, "--smoke")
    session.chdir(dest)
    session.run("python", "-m", "pytest", "-q", "-c", "smoke.ini", "smoke", *session.posargs)

"""`make demo` for a user, not a contributor: it installs the build's Debian packages only
(no browser, zbar, rsvg or oathtool: those are `make test`'s), does nothing — no root, no
sudo, no apt — when they are there, and the example project runs on requirements-demo.txt."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "example_project"
ROOT = EXAMPLE.parent
ENSURE = ROOT / "tools" / "ensure-system-packages.sh"
ORACLES_AND_BROWSER = {"oathtool", "zbar-tools", "librsvg2-bin", "chromium", "chromium-driver"}

# The set-up is the checkout's (Makefile, tools/, requirements-demo.txt): the staged suites
# that test an installed wheel (make matrix, wheels-check) have only the tests.
pytestmark = pytest.mark.skipif(
    not (ROOT / "Makefile").is_file() or not (ROOT / "requirements-demo.txt").is_file(),
    reason="tests the checkout's set-up (Makefile, tools/, requirements-demo.txt); this run has only the tests",
)


def _packages(*sets):
    out = subprocess.run(["bash", str(ENSURE), "--list", *sets], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_the_demo_set_is_the_build_alone_and_make_test_adds_the_rest():
    build = _packages()
    assert build == _packages("build")
    assert {"g++", "cmake", "libssl-dev", "libqrencode-dev"} <= build
    assert not build & (ORACLES_AND_BROWSER | {"gettext", "nlohmann-json3-dev"})
    assert ORACLES_AND_BROWSER | {"gettext", "nlohmann-json3-dev"} <= _packages("build", "test")
    makefile = (ROOT / "Makefile").read_text()
    assert "demo: system $(VENV)/.demo-stamp" in makefile
    assert "test: system-test " in makefile and "pytest: build system-test" in makefile


def _fake_system(tmp_path, installed, uid):
    """A PATH where dpkg-query reports ``installed`` and apt-get, sudo and id are recorded."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    scripts = {
        "dpkg-query": f'for p in "$@"; do :; done; case " {" ".join(installed)} " in *" $p "*) printf "install ok installed";; *) exit 1;; esac',
        "apt-get": f'echo "apt-get $*" >> {calls}',
        "sudo": f'echo "sudo $*" >> {calls}; "$@"',
        "id": f"echo {uid}",
    }
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text("#!/bin/bash\n" + body + "\n")
        path.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    return env, calls


def test_with_the_packages_present_it_needs_no_root_sudo_or_apt(tmp_path):
    env, calls = _fake_system(tmp_path, _packages(), uid=1000)
    for _ in range(2):  # idempotent
        result = subprocess.run(["bash", str(ENSURE), "build"], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert result.stdout == "" and not calls.exists()


def test_missing_browser_or_oracles_do_not_concern_the_demo(tmp_path):
    env, calls = _fake_system(tmp_path, _packages(), uid=1000)
    assert subprocess.run(["bash", str(ENSURE)], env=env, capture_output=True).returncode == 0
    assert not calls.exists()
    result = subprocess.run(["bash", str(ENSURE), "build", "test"], env=env, capture_output=True, text=True)
    assert "chromium" in calls.read_text() and "sudo apt-get install" in calls.read_text()
    assert result.returncode == 0


def test_a_user_without_root_or_sudo_is_told_what_to_run(tmp_path):
    env, calls = _fake_system(tmp_path, _packages() - {"libqrencode-dev"}, uid=1000)
    (tmp_path / "bin" / "sudo").unlink()
    (tmp_path / "bin" / "grep").symlink_to(shutil.which("grep"))
    env["PATH"] = str(tmp_path / "bin")  # no system sudo either
    bash = subprocess.run(["bash", "-c", "command -v bash"], capture_output=True, text=True).stdout.strip()
    result = subprocess.run([bash, str(ENSURE)], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "apt-get install libqrencode-dev" in result.stderr and not calls.exists()


# The example project on requirements-demo.txt alone: none of the test tools is imported.
DEV_ONLY = ["pytest", "hypothesis", "selenium", "schemathesis", "drf_spectacular", "django_otp", "django_totp",
            "pyotp", "qrcode", "pybind11_stubgen"]
DEMO_WITHOUT_DEV_TOOLS = r"""
import runpy, sys
BLOCKED = %r
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(name + " is not in requirements-demo.txt")
sys.meta_path.insert(0, Block())
sys.argv = ["manage.py", "shell", "-c", '''
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
print("PAGES", [client.get(p).status_code for p in ("/", "/accounts/login/", "/account/2fa/recovery/", "/admin/login/")])
''']
runpy.run_path(%r, run_name="__main__")
"""


def test_the_example_runs_on_the_demo_requirements_alone(tmp_path):
    requirements = (ROOT / "requirements-demo.txt").read_text()
    assert not any(name.replace("_", "-") in requirements for name in DEV_ONLY if name != "django_totp")
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL")}
    env["DEMO_STATE_DIR"] = str(tmp_path)
    manage = str(EXAMPLE / "manage.py")
    subprocess.run([sys.executable, manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, timeout=300)
    script = DEMO_WITHOUT_DEV_TOOLS % (DEV_ONLY, manage)
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "PAGES [200, 200, 200, 200]" in result.stdout

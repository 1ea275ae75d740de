"""The Quick start works as written: a project made by ``django-admin startproject`` plus
exactly the snippets the docs include (docs/examples/quickstart/) migrates, passes
``check`` and runs the whole JWT flow (issue 20 item 2).

The project runs in its own processes, with none of the test settings: whatever the
snippets leave out (an import, an authentication class, a setting) fails here.
"""

import os
import subprocess
import sys
from pathlib import Path

from django_totp_native import core

ROOT = Path(__file__).resolve().parents[2]
SNIPPETS = ROOT / "docs" / "examples" / "quickstart"
FLOW = Path(__file__).with_name("quickstart_flow.py")
OPENAPI_SNIPPETS = ROOT / "docs" / "examples" / "openapi"
OPENAPI_FLOW = Path(__file__).with_name("openapi_flow.py")
SESSION_FLOW = Path(__file__).with_name("session_flow.py")


def run(args, cwd, env):
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{args}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done.stdout


def quickstart_project(tmp_path):
    """A startproject with the Quick start's snippets: (project folder, environment)."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        # What the Quick start tells the reader to put in the environment (fake values).
        "TOTP_ENCRYPTION_KEY": core.Fernet.generate_key().decode(),
        "TOTP_TOKEN_SALT": "quickstart-test-salt",
        "DJANGO_SETTINGS_MODULE": "mysite.settings",
        "PYTHONPATH": "",
    }
    project = tmp_path / "site"
    project.mkdir()
    bare = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
    run([sys.executable, "-m", "django", "startproject", "mysite", str(project)], tmp_path, bare)

    settings = project / "mysite" / "settings.py"
    generated = settings.read_text()
    assert "import os" not in generated  # so the snippet's own import is what makes it work
    settings.write_text(generated + "\n\n" + (SNIPPETS / "settings_snippet.py").read_text())
    (project / "mysite" / "urls.py").write_text((SNIPPETS / "urls.py").read_text())
    return project, env


def test_a_new_project_built_from_the_quick_start_runs_the_jwt_flow(tmp_path):
    project, env = quickstart_project(tmp_path)
    run([sys.executable, "manage.py", "check", "--fail-level", "WARNING"], project, env)
    run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], project, env)
    out = run([sys.executable, str(FLOW)], project, env)
    assert "quick start JWT flow: ok" in out


def test_the_openapi_snippets_serve_the_schema_and_swagger_ui_without_a_cdn(tmp_path):
    """docs/openapi.md: drf-spectacular-sidecar for offline sites and a strict CSP."""
    project, env = quickstart_project(tmp_path)
    for name, target in (("settings_snippet.py", "settings.py"), ("urls_snippet.py", "urls.py")):
        path = project / "mysite" / target
        path.write_text(path.read_text() + "\n\n" + (OPENAPI_SNIPPETS / name).read_text())
    run([sys.executable, "manage.py", "check", "--fail-level", "WARNING"], project, env)
    out = run([sys.executable, str(OPENAPI_FLOW)], project, env)
    assert "openapi with sidecar: ok" in out


def test_the_session_snippets_enrol_and_sign_in_through_the_pages(tmp_path):
    """docs/quickstart-session.md: middleware, login URL, the pages and an otp_required view."""
    project, env = quickstart_project(tmp_path)
    for name, target in (("session_settings_snippet.py", "settings.py"), ("session_urls_snippet.py", "urls.py")):
        path = project / "mysite" / target
        path.write_text(path.read_text() + "\n\n" + (SNIPPETS / name).read_text())
    run([sys.executable, "manage.py", "check", "--fail-level", "WARNING"], project, env)
    run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], project, env)
    out = run([sys.executable, str(SESSION_FLOW)], project, env)
    assert "session pages flow: ok" in out

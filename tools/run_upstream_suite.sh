#!/usr/bin/env bash
# Runs django-totp's own test suite (src/tests, unchanged) against django_totp_native.
#
#   tools/run_upstream_suite.sh [CHECKOUT [PYTEST ARGS...]]   (default: build/upstream-django-totp)
#
# CHECKOUT is a checkout of krsahil8825/django-totp at the commit that matches PyPI 1.1.7
# (docs/migrating.md, "django-totp's own test suite", says how to get it; the sdist has no tests). The
# only adaptations, all in tools/upstream_suite/ and none in the checkout:
#   - an import alias: django_totp[.X] -> the same module objects as django_totp_native[.X]
#     (a meta-path finder in a sitecustomize, so the tests' subprocesses get it too);
#   - django-totp's test settings with INSTALLED_APPS / ROOT_URLCONF pointed at this app.
# Exit status 0 when every test passes except the known, intended difference below.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CHECKOUT="$(cd "${1:-$ROOT/build/upstream-django-totp}" 2>/dev/null && pwd)" || {
  echo "run_upstream_suite: no checkout at ${1:-build/upstream-django-totp}; see docs/migrating.md." >&2
  exit 2
}
test -f "$CHECKOUT/src/tests/conftest.py" -a -f "$CHECKOUT/src/django_totp_project/settings.py" || {
  echo "run_upstream_suite: $CHECKOUT is not a django-totp checkout (src/tests, src/django_totp_project)." >&2
  exit 2
}
[ $# -gt 0 ] && shift  # the rest goes to pytest
PY="${PY:-$ROOT/.venv/bin/python}"
OUT="$ROOT/build/upstream-suite"
mkdir -p "$OUT"
# The settings of django-totp's pyproject ([tool.pytest.ini_options]) but the settings module.
printf '[pytest]\npython_files = test_*.py *_tests.py\npython_classes = Test* Post*\n' > "$OUT/pytest.ini"

# Intended difference: this test decrypts the stored backup codes back out of the database;
# here they are stored as keyed digests only, so there is nothing to decrypt.
EXPECTED_FAILURES="tests/test_totp.py::PostTotpRotateBackupCodes::test_rotates_and_replaces_backup_codes"

cd "$CHECKOUT/src"
set +e
PYTHONPATH="$ROOT/tools/upstream_suite:$CHECKOUT/src" \
DJANGO_SETTINGS_MODULE=upstream_alias_settings \
  "$PY" -m pytest -c "$OUT/pytest.ini" --rootdir "$CHECKOUT/src" -p no:cacheprovider \
  -rfE --junitxml "$OUT/junit.xml" tests "$@" 2>&1 | tee "$OUT/output.txt"
set -e
failed="$("$PY" - "$OUT/junit.xml" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
tree = ET.parse(sys.argv[1])
for case in tree.iter("testcase"):
    if case.find("failure") is not None or case.find("error") is not None:
        cls = case.get("classname", "")
        module, _, klass = cls.rpartition(".")
        print(f"{module.replace('.', '/')}.py::{klass}::{case.get('name')}")
PYEOF
)"
unexpected="$(comm -23 <(printf '%s\n' "$failed" | sed '/^$/d' | sort) <(printf '%s\n' $EXPECTED_FAILURES | sort))"
if [ -n "$unexpected" ]; then
  echo "run_upstream_suite: unexpected failures:"; printf '  %s\n' $unexpected
  exit 1
fi
echo "run_upstream_suite: every upstream test passes except the intended difference(s): $EXPECTED_FAILURES"

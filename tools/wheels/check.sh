#!/usr/bin/env bash
# `make wheels-check`: proves that each wheel in dist/ (or each one named) stands alone.
# For every wheel, with the CPython it was built for, in a scratch folder outside the tree:
#   - a fresh venv gets the wheel (+ the [jwt] extra) and the test tools, nothing else;
#   - ldd shows libcrypto and libqrencode resolved inside the installed package;
#   - the core test suite and the Django smoke (tests/smoke: migrate, enrol, confirm,
#     JWT two-step login) pass against that installation, warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
TEST_DEPS=(pytest pytest-django hypothesis cryptography pyotp qrcode)
wheels=("$@")
[ ${#wheels[@]} -gt 0 ] || wheels=(dist/*-manylinux*.whl)
[ -e "${wheels[0]}" ] || { echo "no wheels in dist/: run 'make wheels' first" >&2; exit 1; }
stager=$(bash tools/wheels/find-python.sh 3.11 2>/dev/null || command -v python3)
# The tests come from the sdist that the wheels were built from (make wheels), not from
# this checkout, which may have moved on since.
sdist=$(ls -t dist/django_totp_native-*.tar.gz 2>/dev/null | head -n1)
[ -n "$sdist" ] || { echo "no sdist in dist/: run 'make wheels' first" >&2; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/totp-wheel-check.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

for whl in "${wheels[@]}"; do
  whl=$(realpath "$whl")
  tag=$(basename "$whl" | cut -d- -f3)            # cp312
  v="${tag:2:1}.${tag:3}"                          # 3.12
  py=$(bash tools/wheels/find-python.sh "$v")
  work=$scratch/$tag
  echo "== $(basename "$whl"): Python $v, in $work"
  start=$SECONDS
  "$py" -m venv "$work/venv"
  "$work/venv/bin/python" -m pip install -q --disable-pip-version-check "${whl}[jwt]" "${TEST_DEPS[@]}" \
    2> >(grep -v "is ignored: it is neither" >&2)
  "$stager" tools/wheels/stage_suite.py "$work/suite" --source "$sdist"
  "$stager" tools/wheels/stage_suite.py "$work/smoke" --smoke --source "$sdist"
  cd "$work"

  ext=$(venv/bin/python -c 'import django_totp_native._core as m; print(m.__file__)')
  libs=$(dirname "$(dirname "$ext")")/django_totp_native.libs
  case "$ext" in "$REPO"/*) echo "FAIL: _core was imported from the source tree: $ext" >&2; exit 1;; esac
  echo "   ldd $(basename "$ext"):"
  ldd "$ext" | grep -E 'libcrypto|libqrencode|not found' | sed 's/^\s*/     /'
  for lib in libcrypto libqrencode; do
    resolved=$(ldd "$ext" | awk -v lib="$lib" '$1 ~ "^"lib {print $3}')
    if [ -z "$resolved" ] || [ "$(dirname "$(realpath "$resolved")")" != "$(realpath "$libs")" ]; then
      echo "FAIL: $lib resolves to '${resolved:-nothing}', not inside $libs" >&2; exit 1
    fi
  done
  ! ldd "$ext" | grep -q "not found" || { echo "FAIL: unresolved libraries" >&2; exit 1; }
  venv/bin/python -c 'import django, rest_framework, rest_framework_simplejwt as j, sys; print(f"   Python {sys.version.split()[0]}, Django {django.get_version()}, DRF {rest_framework.VERSION}, SimpleJWT {j.__version__}")'

  echo "   core suite:"
  (cd suite && ../venv/bin/python -m pytest -q -p no:cacheprovider tests/core ${CORE_PYTEST_ARGS:-})
  echo "   Django smoke:"
  (cd smoke && ../venv/bin/python -m pytest -q -c smoke.ini smoke)
  cd "$REPO"
  echo "   $tag stands alone ($((SECONDS - start)) s)"
done

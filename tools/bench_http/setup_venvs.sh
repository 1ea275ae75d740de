#!/usr/bin/env bash
# Two venvs, one per contender, with the same Python and the same pinned Django stack:
#   build/bench-http/venv-upstream  django-totp from PyPI (Python 3.13 runs it unmodified:
#                                   it imports warnings.deprecated, new in 3.13)
#   build/bench-http/venv-native    this repository, a regular (non-editable) install,
#                                   rebuilt on every run so the current tree is measured
# Cheap to repeat: the venvs are kept and the native build is incremental.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=build/bench-http
find_python() {
  if [[ -n ${BENCH_PYTHON:-} ]]; then echo "$BENCH_PYTHON"; return; fi
  if python3.13 -V >/dev/null 2>&1; then command -v python3.13; return; fi
  local root; root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
  local found; found=$(ls -d "$root"/versions/3.13*/bin/python3.13 2>/dev/null | sort -V | tail -1)
  [[ -n $found ]] || { echo "bench-http needs Python 3.13 (set BENCH_PYTHON)" >&2; exit 1; }
  echo "$found"
}
PYTHON=$(find_python)
REQ=tools/bench_http/requirements.txt
UPSTREAM_VERSION=${BENCH_UPSTREAM_VERSION:-1.1.7}
mkdir -p "$OUT"

make_venv() {  # name, extra packages...
  local venv=$OUT/$1; shift
  local stamp=$venv/.deps-stamp want
  want="$(cat "$REQ") $* $("$PYTHON" -V 2>&1)"
  if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then return; fi
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v 'is ignored' || true
  "$venv/bin/python" -m pip install -q -r "$REQ" "$@" 2>&1 | grep -v 'is ignored' || true
  printf '%s' "$want" > "$stamp"
}

make_venv venv-upstream "django-totp==$UPSTREAM_VERSION"
# The native side also runs the driver: matplotlib for the chart, the build backend.
make_venv venv-native matplotlib "scikit-build-core>=0.10" "pybind11==3.1.0"

# Reinstalled only when a source file of the package changed since the last install.
tree_hash=$(find cpp python django_totp_native CMakeLists.txt pyproject.toml -type f \
  -not -path '*/__pycache__/*' -not -name '*.so' -print0 | sort -z | xargs -0 sha1sum | sha1sum)
if [[ ! -f $OUT/venv-native/.tree-stamp || "$(cat "$OUT/venv-native/.tree-stamp")" != "$tree_hash" ]]; then
  # A CMake build directory of its own, so the shared build/.lock (held by other builds
  # for minutes) is not needed; CMake rebuilds incrementally.
  flock "$OUT/.build-lock" "$OUT/venv-native/bin/python" -m pip install -q --no-build-isolation \
    --no-deps --force-reinstall -C build-dir="$OUT/cmake-build" . 2>&1 | grep -v 'is ignored' || true
  printf '%s' "$tree_hash" > "$OUT/venv-native/.tree-stamp"
fi
# From elsewhere: in the repository root the source tree (without _core) would shadow it.
(cd "$OUT" && venv-native/bin/python -c "import django_totp_native.core, sys; print('native venv ok', sys.version.split()[0])")
(cd "$OUT" && venv-upstream/bin/python -c "import django_totp, sys; print('upstream venv ok', sys.version.split()[0])")

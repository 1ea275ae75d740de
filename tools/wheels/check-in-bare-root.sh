#!/usr/bin/env bash
# `make wheels-bare-root`: each wheel in dist/ (or each one named) in a minimal Debian 12
# root made with debootstrap under build/standalone/root, where no libcrypto and no
# libqrencode exist at all. The wheel's own copies are the only ones it can load.
#
# The CPython that each wheel is for is copied into the root from this machine (its pyenv
# tree without site-packages and tests). Everything is installed from a local wheelhouse
# with --no-index. Then, in the root:
#   1. ldd and the core suite with no OpenSSL anywhere: CPython's own _ssl and _hashlib
#      cannot load (checked), hashlib uses CPython's built-in hashes;
#   2. the Django smoke, whose JWT step needs PyJWT, which imports `ssl`: CPython gets a
#      private copy of libssl/libcrypto in /opt/python-openssl through LD_LIBRARY_PATH,
#      as every real CPython has its own; the smoke checks that django_totp_native still
#      maps the wheel's libcrypto, not that one.
# The root needs the Debian mirror that APT uses here (DEBIAN_MIRROR overrides it) and
# root privileges (chroot, mount proc). Tests that call external oracle programs are
# deselected (marker "oracle": oathtool, zbarimg and rsvg-convert are not in the root).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
ROOT=$REPO/build/standalone/root
SUITE=${BARE_ROOT_DEPS:-"pytest pytest-django hypothesis cryptography pyotp qrcode"}
wheels=("$@")
[ ${#wheels[@]} -gt 0 ] || wheels=(dist/*-manylinux*.whl)
[ -e "${wheels[0]}" ] || { echo "no wheels in dist/: run 'make wheels' first" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "needs root (debootstrap, chroot, mount)" >&2; exit 1; }
stager=$(bash tools/wheels/find-python.sh 3.11 2>/dev/null || command -v python3)
# The tests come from the sdist that the wheels were built from (make wheels), not from
# this checkout, which may have moved on since.
sdist=$(ls -t dist/django_totp_native-*.tar.gz 2>/dev/null | head -n1)
[ -n "$sdist" ] || { echo "no sdist in dist/: run 'make wheels' first" >&2; exit 1; }

mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '/^deb / && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
fi

cleanup() { umount "$ROOT/proc" 2>/dev/null || true; }
trap cleanup EXIT
cleanup  # a run that was killed may have left it mounted

if [ ! -f "$ROOT/.complete" ]; then
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
  [ -n "$mirror" ] || { echo "no Debian mirror found in APT's sources; set DEBIAN_MIRROR" >&2; exit 1; }
  echo "== debootstrap --variant=minbase bookworm from $mirror"
  start=$SECONDS
  rm -rf "$ROOT" && mkdir -p "$(dirname "$ROOT")"
  # What CPython's own extension modules need (sqlite3 for Django); no libssl3.
  debootstrap --variant=minbase \
    --include=libsqlite3-0,libffi8,libexpat1,libbz2-1.0,liblzma5,libuuid1,libreadline8,libncursesw6 \
    bookworm "$ROOT" "$mirror" >build/standalone/debootstrap.log 2>&1 \
    || { tail -n 30 build/standalone/debootstrap.log; exit 1; }
  touch "$ROOT/.complete"
  echo "   done ($((SECONDS - start)) s)"
fi

present=$(find "$ROOT" -xdev \( -name 'libcrypto*.so*' -o -name 'libssl*.so*' -o -name 'libqrencode*.so*' \) \
  -not -path "$ROOT/check/*" -not -path "$ROOT/opt/python-openssl/*" -print)
if [ -n "$present" ]; then
  echo "FAIL: the bare root has system copies, so it would prove nothing:" >&2; echo "$present" >&2; exit 1
fi
echo "== the root has no libcrypto, libssl or libqrencode (but for CPython's private copy, step 2)"
mkdir -p "$ROOT/opt/python-openssl"
for lib in libssl.so.3 libcrypto.so.3; do
  cp -L "$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ {print $NF; exit}')" "$ROOT/opt/python-openssl/$lib"
done

for whl in "${wheels[@]}"; do
  whl=$(realpath "$whl")
  tag=$(basename "$whl" | cut -d- -f3)
  v="${tag:2:1}.${tag:3}"
  py=$(realpath "$(bash tools/wheels/find-python.sh "$v")")
  prefix=$(dirname "$(dirname "$py")")
  echo "== $(basename "$whl") in the bare root (CPython $v from $prefix)"
  start=$SECONDS
  if [ ! -x "$ROOT$prefix/bin/python$v" ]; then
    mkdir -p "$ROOT$prefix"
    tar -C "$prefix" --exclude="./lib/python$v/site-packages/*" --exclude="./lib/python$v/test" \
      --exclude="./lib/python$v/idlelib" --exclude="./lib/python$v/tkinter" --exclude="*/__pycache__" \
      --exclude="./include" --exclude="./share" -cf - . | tar -C "$ROOT$prefix" -xf -
  fi
  check=$ROOT/check/$tag
  rm -rf "$check" && mkdir -p "$check"
  "$py" -m pip download -q --disable-pip-version-check -d "$check/wheelhouse" "${whl}[jwt]" $SUITE \
    2> >(grep -v "is ignored: it is neither" >&2)
  "$stager" tools/wheels/stage_suite.py "$check/suite" --source "$sdist"
  "$stager" tools/wheels/stage_suite.py "$check/smoke" --smoke --source "$sdist"
  mount -t proc proc "$ROOT/proc"
  env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root LANG=C.UTF-8 \
    "$(command -v chroot)" "$ROOT" /bin/bash -euo pipefail -c "
    $py -m venv /check/$tag/venv
    cd /check/$tag
    venv/bin/python -m pip install -q --disable-pip-version-check --no-index --find-links wheelhouse \
      'django-totp-native[jwt]' $SUITE 2>&1 | grep -v -i 'ssl' >&2 || true
    venv/bin/python -c 'import ssl' 2>/dev/null && { echo 'FAIL: ssl imports, so a system OpenSSL is present' >&2; exit 1; }
    ext=\$(venv/bin/python -c 'import django_totp_native._core as m; print(m.__file__)')
    echo \"   ldd \$(basename \$ext):\"
    ldd \"\$ext\" | grep -E 'libcrypto|libqrencode|not found' | sed 's/^\s*/     /'
    if ldd \"\$ext\" | grep -q 'not found'; then echo 'FAIL: unresolved libraries' >&2; exit 1; fi
    libs=\$(realpath \"\$(dirname \"\$ext\")/../django_totp_native.libs\")
    for lib in libcrypto libqrencode; do
      resolved=\$(ldd \"\$ext\" | awk -v lib=\"\$lib\" '\$1 ~ \"^\"lib {print \$3}')
      [ -n \"\$resolved\" ] && [ \"\$(dirname \"\$(realpath \"\$resolved\")\")\" = \"\$libs\" ] \
        || { echo \"FAIL: \$lib resolves to '\$resolved', not inside \$libs\" >&2; exit 1; }
    done
    echo '   core suite, no OpenSSL in the root at all (oracle-program tests deselected):'
    (cd suite && ../venv/bin/python -m pytest -q -p no:cacheprovider -m 'not oracle' tests/core)
    echo '   Django smoke (CPython with its private OpenSSL for ssl, needed by PyJWT):'
    (cd smoke && LD_LIBRARY_PATH=/opt/python-openssl ../venv/bin/python -m pytest -q -c smoke.ini smoke)
  "
  umount "$ROOT/proc"
  echo "   $tag stands alone in the bare root ($((SECONDS - start)) s)"
done

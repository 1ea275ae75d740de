#!/usr/bin/env bash
# Prints the full path of a working CPython X.Y interpreter (first argument, e.g. 3.12).
# `pythonX.Y` on PATH first; a pyenv shim that is not activated fails there, so then the
# pyenv versions folder. Exits 1, saying what to install, when there is none.
set -euo pipefail
v=${1:?usage: find-python.sh X.Y}
# The base interpreter, also when python$v on PATH is a venv's (e.g. build/wheel-tools).
base='import sys, pathlib; p = pathlib.Path(sys.base_prefix, "bin", f"python{sys.version_info[0]}.{sys.version_info[1]}"); print(p if p.exists() else sys.executable)'
if exe=$("python$v" -c "$base" 2>/dev/null) && [ -x "$exe" ]; then
  echo "$exe"; exit 0
fi
root=${PYENV_ROOT:-$HOME/.pyenv}
for d in $(ls -d "$root"/versions/"$v".* 2>/dev/null | sort -V -r); do
  if [ -x "$d/bin/python$v" ] && "$d/bin/python$v" -c 'import venv, ensurepip' 2>/dev/null; then
    echo "$d/bin/python$v"; exit 0
  fi
done
echo "find-python.sh: no CPython $v (neither python$v on PATH nor $root/versions/$v.*); install it, e.g. 'pyenv install $v'" >&2
exit 1

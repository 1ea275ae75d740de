#!/usr/bin/env bash
# Installs the Debian packages a task needs, only those missing.
#
#   tools/ensure-system-packages.sh [--list] [SET ...]     (default SET: build)
#
#   build  building the native core: what `make demo` and `make build` need, and all a
#          user needs (no browser, no test oracles)
#   test   what `make test` needs beyond that: the C++ tests' JSON library, git, the
#          independent test oracles, the browser tests' Chromium, and gettext
#
# Idempotent: when nothing is missing it does nothing — no apt-get, no sudo, no network —
# so it runs as any user. Otherwise it installs the missing ones with apt-get, as root or
# through sudo, and says what to run when neither is available. --list prints the sets'
# packages (one line) instead.
set -euo pipefail

build_packages=(
  g++ cmake make pkg-config
  libssl-dev libqrencode-dev zlib1g-dev                    # the native core
)
test_packages=(
  nlohmann-json3-dev git                                   # the C++ tests, the repository
  oathtool zbar-tools librsvg2-bin                         # independent test oracles
  chromium chromium-driver                                 # the browser tests
  gettext                                                  # makemessages / compilemessages
)

list=false
sets=()
for arg in "$@"; do
  case "$arg" in
    --list) list=true ;;
    build|test) sets+=("$arg") ;;
    *) echo "usage: $0 [--list] [build|test ...]" >&2; exit 2 ;;
  esac
done
[ ${#sets[@]} -eq 0 ] && sets=(build)

packages=()
for set in "${sets[@]}"; do
  case "$set" in
    build) packages+=("${build_packages[@]}") ;;
    test) packages+=("${test_packages[@]}") ;;
  esac
done
if $list; then
  echo "${packages[*]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages (${sets[*]}): ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "Missing Debian packages and not root (no sudo either). As root, run:" >&2
    echo "  apt-get install ${missing[*]}" >&2
    exit 1
  fi
  SUDO="sudo"
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

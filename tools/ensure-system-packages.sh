#!/usr/bin/env bash
# Installs the Debian packages the build and the test oracles need, only those missing.
# Idempotent: a machine that has them all does nothing (and needs no network).
set -euo pipefail
packages=(
  g++ cmake make pkg-config git
  libssl-dev libqrencode-dev zlib1g-dev nlohmann-json3-dev  # the native core
  oathtool zbar-tools librsvg2-bin                         # independent test oracles
  chromium chromium-driver                                 # the browser tests
  gettext                                                  # makemessages / compilemessages
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

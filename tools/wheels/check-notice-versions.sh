#!/usr/bin/env bash
# The wheels carry Debian's libssl3 and libqrencode4; LICENSES/THIRD-PARTY-NOTICES.md
# names their exact versions (libqrencode's LGPL source offer must match the binary).
# Fails, saying what to update, when the machine's packages differ from the notice.
set -euo pipefail
cd "$(dirname "$0")/../.."
notice=LICENSES/THIRD-PARTY-NOTICES.md
status=0
for pkg in libssl3 libqrencode4; do
  have=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || echo "not installed")
  if ! grep -qF "\`$pkg\` ($have)" "$notice"; then
    echo "check-notice-versions: $pkg is $have here, but $notice names another version:" >&2
    grep -F "\`$pkg\`" "$notice" >&2 || true
    status=1
  fi
done
[ $status -eq 0 ] || echo "Update the table (and the apt-get source line for qrencode) in $notice, then rebuild." >&2
exit $status

#!/usr/bin/env bash
# Fuzzes the live API from its own OpenAPI schema (drf-spectacular) with schemathesis and
# fails on any 5xx or any response that does not match the schema.
#
# The server: the test project with drf-spectacular (tests/openapi/settings.py), Django's
# runserver on 127.0.0.1, a throwaway SQLite file under build/schemathesis/ seeded with
# alice (no 2FA), bob (2FA on) and carol (2FA required, not enrolled); see tests/openapi/seed.py.
# Its throttle rate (tests.settings, 10000/minute) is far above what a run sends, so 429s
# come only from the app's own limits (failed codes, failed passwords), which the schema
# documents with Retry-After.
#
# Three runs, each every phase (examples, coverage, fuzzing, stateful: the login flow's
# links) with at most MAX_EXAMPLES cases per operation and phase:
#   anonymous  every operation; /api/jwt/create/ gets the seeded credentials in about half
#              of its cases (tests/openapi/schemathesis_hooks.py) so all three login
#              answers and the links from them are exercised
#   bearer     /api/totp/* with alice's access token from /api/jwt/create/
#   enrollment /api/totp/* with carol's enrollment token (Authorization: TOTP-Enrollment)
#
# Usage: tools/schemathesis.sh   (PY, SCHEMATHESIS, MAX_EXAMPLES, SEED, WORKERS=2 may be set)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
SCHEMATHESIS=$(realpath "${SCHEMATHESIS:-.venv/bin/schemathesis}")
MAX_EXAMPLES=${MAX_EXAMPLES:-30}
WORK=build/schemathesis

rm -rf "$WORK" && mkdir -p "$WORK"
export DJANGO_SETTINGS_MODULE=tests.openapi.settings
export OPENAPI_SQLITE="$PWD/$WORK/db.sqlite3"
export SCHEMATHESIS_HOOKS=tests.openapi.schemathesis_hooks
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

"$PY" -m django migrate -v0
"$PY" -m tests.openapi.seed

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
"$PY" -m django runserver "127.0.0.1:$PORT" --noreload >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT

# The schema as served (also kept for the report), once the server answers.
for _ in $(seq 1 100); do
  if "$PY" -c "import urllib.request, sys; open(sys.argv[2], 'wb').write(urllib.request.urlopen(sys.argv[1], timeout=5).read())" \
      "$BASE/api/schema/?format=json" "$WORK/openapi.json" 2>/dev/null; then
    break
  fi
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.2
done
test -s "$WORK/openapi.json" || { echo "the server did not answer on $BASE"; cat "$WORK/server.log"; exit 1; }

login() {  # login NAME FIELD -> that field of /api/jwt/create/'s answer for the seeded user
  "$PY" - "$BASE" "$1" "$2" <<'PYEOF'
import json, sys, urllib.request
from tests.openapi.seed import PASSWORD
base, name, field = sys.argv[1:]
request = urllib.request.Request(
    f"{base}/api/jwt/create/",
    data=json.dumps({"username": name, "password": PASSWORD}).encode(),
    headers={"Content-Type": "application/json"},
)
print(json.load(urllib.request.urlopen(request, timeout=10))[field])
PYEOF
}

run() {  # run NAME [schemathesis options...]; in $WORK, where schemathesis keeps its cache
  local name=$1; shift
  echo "== schemathesis: $name"
  (cd "$WORK" && "$SCHEMATHESIS" run openapi.json --url "$BASE" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,response_headers_conformance \
    --phases examples,coverage,fuzzing,stateful \
    --max-examples "$MAX_EXAMPLES" ${SEED:+--seed "$SEED"} \
    --generation-database none --workers "${WORKERS:-2}" --no-color \
    --report junit --report-junit-path "$name.junit.xml" \
    "$@")
}

start=$SECONDS
failed=0
run anonymous || failed=1
# Obtained just before each run (an access token lives 5 minutes); a failed login stops here.
access=$(login alice access)
run bearer --phases examples,coverage,fuzzing --include-path-regex '^/api/totp/' \
  -H "Authorization: Bearer $access" || failed=1
enrollment_token=$(login carol totp_enrollment_token)
run enrollment --phases examples,coverage,fuzzing --include-path-regex '^/api/totp/' \
  -H "Authorization: TOTP-Enrollment $enrollment_token" || failed=1
# A 5xx the checks saw is already a failure; this also catches one they did not look at.
if grep -qE '" 5[0-9][0-9] ' "$WORK/server.log"; then
  failed=1
fi
if [ "$failed" != 0 ]; then
  echo "== the server's errors ($WORK/server.log)"
  grep -E -A 40 '^(Internal Server Error|Traceback)' "$WORK/server.log" | head -200 || true
  echo "schemathesis: FAILED after $((SECONDS - start)) s"
  exit 1
fi
echo "schemathesis: three runs passed in $((SECONDS - start)) s"

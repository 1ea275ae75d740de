#!/usr/bin/env bash
# Runs the example project: migrate, create/reset the superuser "demo" with a new random
# password (printed), print the URLs to try, then serve on DEMO_ADDR (default 127.0.0.1:8000).
# DATABASE_URL / REDIS_URL switch to PostgreSQL / Redis. Run by `make demo`, which installs and builds first.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
ADDR="${DEMO_ADDR:-127.0.0.1:8000}"
# The settings derive the address in e-mailed links (DOMAIN) and printed URLs from it.
export DEMO_ADDR="$ADDR"
export DJANGO_SETTINGS_MODULE=demo_site.settings
"$PY" example_project/manage.py migrate --noinput -v 0
"$PY" example_project/manage.py prepare_demo
exec "$PY" example_project/manage.py runserver "$ADDR" --noreload

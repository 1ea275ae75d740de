# Every target installs what it needs first, so `make demo` and `make test` work on a
# fresh Debian machine and are cheap to repeat. `make demo` installs only what a user
# needs (the build's Debian packages, requirements-demo.txt); the contributor's targets
# add the test set (tools/ensure-system-packages.sh test, requirements-dev.txt).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
JOBS ?= 2
# One build at a time: parallel `make` runs (several terminals, helpers) share build/.
LOCK := flock build/.lock

.PHONY: all system system-test venv build ctest ctest-build sanitize pytest pytest-pg pytest-pgbouncer test bench stubs stubs-check \
        migrations-check wheel-check demo clean mutate compat-upstream compat-django-otp \
        compat-allauth compat-two-factor docs

all: build

system:
	@bash tools/ensure-system-packages.sh build

system-test:
	@bash tools/ensure-system-packages.sh build test

$(VENV)/.deps-stamp: requirements-dev.txt requirements-demo.txt | system
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || \
	  $(PIP) install -q --no-deps --ignore-requires-python django-totp==1.1.7
	touch $@

venv: system $(VENV)/.deps-stamp

# Editable install: Python files are used from the tree, the extension is (re)built by
# CMake incrementally into build/<wheel tag>.
build: venv
	@mkdir -p build
	$(LOCK) $(PIP) install -q --no-build-isolation --no-deps -e .

ctest-build: system-test
	@mkdir -p build
	$(LOCK) bash -c 'cmake -S . -B build/ctest -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DTOTP_NATIVE_BUILD_TESTS=ON -DTOTP_NATIVE_BUILD_PYTHON=OFF -DTOTP_NATIVE_WERROR=ON >/dev/null \
	  && cmake --build build/ctest -j$(JOBS) -- --no-print-directory -s'

ctest: ctest-build
	ctest --test-dir build/ctest --output-on-failure

# ASan + UBSan: the C++ tests (build/sanitize), then the Python binding tests (tests/core)
# against the extension built with both (build/sanitize-py, tools/sanitize/binding-tests.sh),
# so that a binding reading freed memory fails even when the bytes it reads give the
# right answer. ~3 min from scratch on 2 cores, ~1 min when the builds are current.
sanitize: venv system-test
	@mkdir -p build
	$(LOCK) bash -c 'cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=Debug \
	  -DTOTP_NATIVE_BUILD_TESTS=ON -DTOTP_NATIVE_BUILD_PYTHON=OFF -DTOTP_NATIVE_SANITIZE=ON \
	  -DTOTP_NATIVE_WERROR=ON >/dev/null && cmake --build build/sanitize -j$(JOBS) -- --no-print-directory -s'
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir build/sanitize --output-on-failure
	JOBS=$(JOBS) bash tools/sanitize/binding-tests.sh

pytest: build system-test
	$(VENV)/bin/pytest

test: system-test ctest pytest pytest-pg pytest-pgbouncer stubs-check migrations-check compat-django-otp compat-two-factor \
      compat-allauth

# The Django suite again on the production path (PostgreSQL + Redis): the row locks, the
# SELECT ... FOR UPDATE fallback and the races that SQLite serialises. tools/ensure-services.sh
# starts the local servers; where they cannot be had the pass is skipped with the reason,
# except under CI, where that fails the run.
pytest-pg: build
	@if bash tools/ensure-services.sh; then \
	  echo "== Django suite on PostgreSQL and the Redis cache"; \
	  DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \
	    $(VENV)/bin/pytest tests/app; \
	elif [ -n "$$CI" ] && [ "$$CI" != false ] && [ "$$CI" != 0 ]; then \
	  echo "PostgreSQL or Redis is not reachable under CI: the production-path pass cannot run" >&2; exit 1; \
	else \
	  echo "SKIPPED the PostgreSQL + Redis pass: the servers are not reachable (see tools/ensure-services.sh)"; \
	fi

# Models and migrations must agree (a missing migration fails CI).
# The Django suite once more through PgBouncer in transaction pooling (Debian's, started
# by tools/ensure-pgbouncer.sh on 127.0.0.1:6432): no prepared statement or session state
# may leak between transactions, and every guarantee (replay, double spend, failure cap)
# must hold with pooled connections. Its test database is created through PgBouncer and
# kept (--reuse-db: PgBouncer holds pooled connections that a DROP at the end would meet);
# it is dropped, FORCE, at the start of the next pass. The routed suite makes and drops
# databases of its own per run, which pooling does not touch; it runs in the direct pass,
# as do the killed jobs at 10⁴ devices (minutes through the pool, and about crashes, not pooling).
pytest-pgbouncer: build
	@if bash tools/ensure-services.sh && bash tools/ensure-pgbouncer.sh; then \
	  echo "== Django suite through PgBouncer (transaction pooling)"; \
	  psql -q -h 127.0.0.1 -p 5432 -U postgres -d postgres -c "DROP DATABASE IF EXISTS test_pgbouncer WITH (FORCE)" && \
	  DATABASE_URL=postgres://postgres@127.0.0.1:6432/test TEST_DATABASE_NAME=test_pgbouncer \
	  REDIS_URL=redis://127.0.0.1:6379/0 \
	    $(VENV)/bin/pytest tests/app --reuse-db --deselect tests/app/test_routed_databases.py \
	      --deselect tests/app/test_interrupted_jobs.py && \
	  psql -h 127.0.0.1 -p $${PGBOUNCER_PORT:-6432} -U postgres -d pgbouncer -tA -F' ' -c "SHOW STATS" \
	    | awk '$$1 == "test_pgbouncer" { print "PgBouncer served the suite", $$2, "transactions"; seen = 1 } \
	           END { if (!seen) { print "PgBouncer served no transaction of the suite" > "/dev/stderr"; exit 1 } }'; \
	elif [ -n "$$CI" ] && [ "$$CI" != false ] && [ "$$CI" != 0 ]; then \
	  echo "PostgreSQL, Redis or PgBouncer is not available under CI: the pooled pass cannot run" >&2; exit 1; \
	else \
	  echo "SKIPPED the PgBouncer pass: PostgreSQL, Redis or PgBouncer is not available (see tools/ensure-pgbouncer.sh)"; \
	fi

migrations-check: build
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) -m django makemigrations --check --dry-run

# The documentation site (docs/, Sphinx + MyST) into docs/_build/html, warnings as errors.
# autodoc imports the built core, and the endpoint reference renders the OpenAPI schema
# generated at build time (docs/_ext/openapi_reference.py). ~20 s.
$(VENV)/.docs-stamp: docs/requirements.txt $(VENV)/.deps-stamp
	$(PIP) install -q -r docs/requirements.txt
	touch $@

docs: build $(VENV)/.docs-stamp
	$(VENV)/bin/sphinx-build -W --keep-going -q -b html docs docs/_build/html

# The OpenAPI schema (drf-spectacular, the [openapi] extra) validates without warnings,
# then schemathesis fuzzes a live server from it and fails on any 5xx or any answer the
# schema does not describe: anonymous, bearer and enrollment-token runs, ~2 min
# (tools/schemathesis.sh; MAX_EXAMPLES=30 cases per operation and phase by default).
.PHONY: openapi-check
openapi-check: build
	@mkdir -p build
	DJANGO_SETTINGS_MODULE=tests.openapi.settings $(PY) -m django spectacular --validate --fail-on-warn \
	  --file build/openapi.yaml
	bash tools/schemathesis.sh

bench: build
	$(PY) tests/benchmarks/bench_core.py
	@# The django-otp devices against django-otp's own, on PostgreSQL (skipped with the
	@# reason when the server is not reachable).
	@if bash tools/ensure-services.sh >/dev/null 2>&1; then \
	  DATABASE_URL=postgres://postgres@127.0.0.1:5432/test $(PY) tests/benchmarks/bench_otp_devices.py; \
	else \
	  echo "SKIPPED the django-otp device benchmark: PostgreSQL is not reachable (see tools/ensure-services.sh)"; \
	fi

# End to end against django-totp from PyPI: each in its own venv (build/bench-http/),
# gunicorn with 2 workers each, PostgreSQL on 127.0.0.1 (tools/ensure-services.sh starts
# it), alternating rounds. A full run rewrites the table in docs/benchmarks.md and docs/images/bench_http.png;
# `make bench-http ARGS=--quick` (or BENCH_QUICK=1) is a smoke run that writes under
# build/bench-http/quick/ only. See tools/bench_http/run.py.
.PHONY: bench-http
bench-http: system
	bash tools/ensure-services.sh
	bash tools/bench_http/setup_venvs.sh
	build/bench-http/venv-native/bin/python tools/bench_http/run.py $(if $(BENCH_QUICK),--quick) $(ARGS)

# libFuzzer harnesses over the native parsers (cpp/fuzz), built with clang, ASan and UBSan
# into build/fuzz. `make fuzz` runs every target for FUZZ_SECONDS each; `make fuzz-ci`
# runs each for a few seconds from its seed corpus (tests/fuzz_corpus). Both print the
# executions and coverage per target and fail on any crash (see tools/fuzz.sh).
.PHONY: fuzz fuzz-ci
FUZZ_SECONDS ?= 60
fuzz: system
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tools/fuzz.sh

fuzz-ci: system
	bash tools/fuzz.sh --ci

# Mutation testing (not in CI: slow): mutmut over services/, source mutations of the C++
# core judged by ctest; prints kill rates and survivors (see tools/mutate/).
# `make mutate ARGS=--quick` runs the fixed subset whose figures docs/contributing.md reports.
mutate: build
	$(PIP) install -q mutmut==3.8.1
	$(PY) tools/mutate/run.py $(ARGS)

# The audit's hand-made breakages (tools/mutate/breakages/): each applied in turn, and the
# tests named for it must fail; the tree is restored after each. ~N min; run in CI.
.PHONY: breakages
breakages: build ctest-build
	bash tools/ensure-services.sh
	$(PY) tools/mutate/check_breakages.py $(ARGS)

# _core.pyi is generated from the built module; CI fails when the checked-in copy drifts.
stubs: build
	$(PY) tools/generate_stubs.py --write

stubs-check: build
	$(PY) tools/generate_stubs.py --check

# Proves a plain `pip install .` (what users run) yields a working core: builds the wheel,
# installs it into a scratch venv and runs the core tests against that installation
# (from a copy of tests/ outside the tree, with the repository's pytest options).
wheel-check: venv
	rm -rf build/wheel-check && mkdir -p build/wheel-check
	$(LOCK) $(PIP) wheel -q --no-build-isolation --no-deps . -w build/wheel-check/dist
	$(PYTHON) -m venv build/wheel-check/venv
	build/wheel-check/venv/bin/pip install -q build/wheel-check/dist/*.whl \
	  pytest pytest-django hypothesis cryptography pyotp qrcode
	$(PY) tools/wheels/stage_suite.py build/wheel-check/suite
	cd build/wheel-check/suite && ../venv/bin/python -m pytest -q -p no:cacheprovider tests/core

# Release artifacts (tools/wheels/): dist/ gets the sdist and one manylinux_2_34 wheel per
# CPython 3.10-3.13 (PYTHONS="3.12" for fewer), libcrypto + libqrencode grafted in.
WHEEL_INPUTS := $(shell git ls-files cpp python django_totp_native CMakeLists.txt pyproject.toml LICENSE LICENSES 2>/dev/null)
.PHONY: wheels wheels-check wheels-bare-root matrix matrix-ci
wheels:
	bash tools/wheels/build.sh
	touch dist/.wheels-stamp
dist/.wheels-stamp: $(WHEEL_INPUTS) tools/wheels/build.sh
	bash tools/wheels/build.sh
	touch $@

# Each wheel alone: a fresh venv of its Python outside the tree, ldd, core suite, Django smoke.
wheels-check: dist/.wheels-stamp
	bash tools/wheels/check.sh

# The same in a debootstrap'ed Debian root without any libcrypto or libqrencode (root only).
wheels-bare-root: dist/.wheels-stamp
	bash tools/wheels/check-in-bare-root.sh $(BARE_ROOT_WHEELS)

# The Python x Django matrix (noxfile.py) against the wheels: every combination. NOX_ARGS
# passes options, e.g. NOX_ARGS='-s suite'. matrix-ci is CI's share (see noxfile.py); its
# full suites leave out tests/core, which wheels-check runs on every wheel.
matrix: dist/.wheels-stamp
	build/wheel-tools/bin/nox $(NOX_ARGS)
matrix-ci: dist/.wheels-stamp
	MATRIX_SUITE=tests/app build/wheel-tools/bin/nox -t ci $(NOX_ARGS)

# django-totp's own test suite (src/tests of its 1.1.7 commit), unchanged, against this
# app through an import alias. UPSTREAM=path of that checkout (see docs/migrating.md).
UPSTREAM ?= build/upstream-django-totp
compat-upstream: build
	bash tools/run_upstream_suite.sh $(UPSTREAM)

# django-otp's own otp_totp and otp_static tests (its pinned source release, downloaded from
# PyPI once into build/cache) through alias packages, first over django-otp's own plugins
# (the control: the harness changes no outcome), then over django_totp_native.otp, on
# SQLite and again on PostgreSQL (skipped with the reason where it cannot be had, except
# under CI). Prints the counts; fails on any failure but the named differences by design,
# on a skip, or when nothing ran. ~20 s. See tests/compat/django_otp_suite/ and docs/django-otp.md,
# "django-otp's own tests".
compat-django-otp: build
	$(PY) -m tests.compat.django_otp_suite.run --against django-otp
	$(PY) -m tests.compat.django_otp_suite.run --against native
	@if bash tools/ensure-services.sh >/dev/null; then \
	  echo "== The same on PostgreSQL"; \
	  DATABASE_URL=postgres://postgres@127.0.0.1:5432/test $(PY) -m tests.compat.django_otp_suite.run --against native; \
	elif [ -n "$$CI" ] && [ "$$CI" != false ] && [ "$$CI" != 0 ]; then \
	  echo "PostgreSQL is not reachable under CI: django-otp's tests cannot run on it" >&2; exit 1; \
	else \
	  echo "SKIPPED django-otp's tests on PostgreSQL: it is not reachable (see tools/ensure-services.sh)"; \
	fi

# django-allauth's own MFA tests (tests/apps/mfa and tests/apps/headless/mfa of its pinned
# source release, downloaded from PyPI once into build/cache) with MFA_ADAPTER =
# django_totp_native.allauth.MFAAdapter: every test must pass, none be skipped, and after
# each the Authenticator table must hold no plaintext TOTP secret or recovery seed (the
# named tests that write one themselves aside); then our own allauth tests
# (tests/app/test_allauth_adapter.py) under tests/allauth_settings.py; on SQLite, then on
# PostgreSQL (skipped with the reason where it cannot be had, except under CI). ~45 s. See
# tests/compat/allauth_suite/ and docs/allauth.md.
$(VENV)/.allauth-stamp: tests/compat/allauth_suite/requirements.txt | $(VENV)/.deps-stamp
	$(PIP) install -q -r tests/compat/allauth_suite/requirements.txt
	touch $@

compat-allauth: build $(VENV)/.allauth-stamp
	$(PY) -m tests.compat.allauth_suite.run
	DJANGO_SETTINGS_MODULE=tests.allauth_settings $(VENV)/bin/pytest -q tests/app/test_allauth_adapter.py
	@if bash tools/ensure-services.sh >/dev/null; then \
	  echo "== The same on PostgreSQL"; \
	  DATABASE_URL=postgres://postgres@127.0.0.1:5432/test $(PY) -m tests.compat.allauth_suite.run && \
	  DATABASE_URL=postgres://postgres@127.0.0.1:5432/test DJANGO_SETTINGS_MODULE=tests.allauth_settings \
	    $(VENV)/bin/pytest -q tests/app/test_allauth_adapter.py; \
	elif [ -n "$$CI" ] && [ "$$CI" != false ] && [ "$$CI" != 0 ]; then \
	  echo "PostgreSQL is not reachable under CI: allauth's tests cannot run on it" >&2; exit 1; \
	else \
	  echo "SKIPPED allauth's tests on PostgreSQL: it is not reachable (see tools/ensure-services.sh)"; \
	fi

# django-two-factor-auth's own test suite (its pinned 1.18.1 source release, downloaded from
# PyPI once into build/cache; the helpers it does not ship are the 1.18.1 tag's, kept in
# tests/compat/two_factor_suite/upstream/ with its MIT license), first without our app (the
# control), then with django_totp_native.two_factor taking over the `generator` method, on
# SQLite and again on PostgreSQL (skipped with the reason where it cannot be had, except
# under CI). Fails on any failure but the named differences by design, on a skip, or when
# nothing ran. ~30 s. See docs/two-factor-auth.md, "two-factor-auth's own tests".
compat-two-factor: build
	$(PY) -m tests.compat.two_factor_suite.run --against two-factor
	$(PY) -m tests.compat.two_factor_suite.run --against native
	@if bash tools/ensure-services.sh >/dev/null; then \
	  echo "== The same on PostgreSQL"; \
	  DATABASE_URL=postgres://postgres@127.0.0.1:5432/test $(PY) -m tests.compat.two_factor_suite.run --against native; \
	elif [ -n "$$CI" ] && [ "$$CI" != false ] && [ "$$CI" != 0 ]; then \
	  echo "PostgreSQL is not reachable under CI: two-factor-auth's tests cannot run on it" >&2; exit 1; \
	else \
	  echo "SKIPPED two-factor-auth's tests on PostgreSQL: it is not reachable (see tools/ensure-services.sh)"; \
	fi

# Migrates the example project (SQLite by default), (re)creates the `demo` superuser with a
# new random password that it prints, and serves on 127.0.0.1:8000. For a user: only the
# build's Debian packages and requirements-demo.txt (no browser, oracles or test tools).
$(VENV)/.demo-stamp: requirements-demo.txt | system
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -r requirements-demo.txt
	touch $@

demo: system $(VENV)/.demo-stamp
	@mkdir -p build
	$(LOCK) $(PIP) install -q --no-build-isolation --no-deps -e .
	bash tools/demo.sh

clean:
	rm -rf build dist *.egg-info

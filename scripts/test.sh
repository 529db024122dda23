#!/usr/bin/env bash
# The whole test suite, as `make test` and CI run it:
#   lint (ruff), types (mypy), import layers (import-linter), migrations up to date,
#   pytest on SQLite, the authorization matrix, schemathesis over the API, the browser
#   tests in Chromium, then pytest again on PostgreSQL + Redis (without the browser tests).
#
# A missing PostgreSQL, Redis or Chromium is reported plainly and the rest still runs;
# with CI=true a missing one is a failure. Every step runs even after an earlier failure,
# so one run shows every problem; the summary at the end lists what ran and what failed.
#
# Override the servers with RAPPORT_TEST_DATABASE_URL and RAPPORT_TEST_REDIS_URL.
set -uo pipefail

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=.venv
BIN=$VENV/bin
PG_URL=${RAPPORT_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rapport}
REDIS_URL_FOR_TESTS=${RAPPORT_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
IN_CI=false
[[ "${CI:-}" == "true" || "${CI:-}" == "1" ]] && IN_CI=true

summary=()
failed=0

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
record() {  # record STATUS NAME [DETAIL]
  summary+=("$(printf '%-8s %s%s' "$1" "$2" "${3:+ — $3}")")
  [[ "$1" == "FAILED" ]] && failed=1
  return 0
}
# A component that is not there: a failure in CI, a plain notice elsewhere.
missing() {  # missing NAME MESSAGE
  echo "$2"
  if $IN_CI; then record FAILED "$1" "$2 (CI=true: every suite must run)"; else record "NOT RUN" "$1" "$2"; fi
}
run_step() {  # run_step NAME COMMAND...; pytest's exit code 5 (no tests ran) is a failure too
  local name=$1; shift
  say "$name"
  "$@"
  local code=$?
  if [[ $code -eq 0 ]]; then record passed "$name"
  elif [[ $code -eq 5 ]]; then record FAILED "$name" "no tests ran"
  else record FAILED "$name" "exit code $code"; fi
}

install() {
  if [[ ! -x $BIN/python ]]; then
    say "Creating $VENV"
    "$PYTHON" -m venv "$VENV" || { echo "Could not create $VENV: Python 3.11+ with venv is needed (Debian: apt-get install python3-venv)"; exit 1; }
  fi
  say "Installing Rapport with its development tools"
  "$BIN/python" -m pip install --quiet --disable-pip-version-check -e '.[dev]' || { echo "pip install failed"; exit 1; }
}

# The browser tests launch this exact path (tests/browser/conftest.py).
CHROMIUM=/usr/bin/chromium
chromium_path() { if [[ -x $CHROMIUM ]]; then echo "$CHROMIUM"; fi; }

# Debian packages the suites drive for real: Chromium (browser tests) and Dovecot (the
# IMAP server the e-mail tests start). Installed when missing and we are root.
ensure_debian_packages() {
  local wanted=()
  [[ -z "$(chromium_path)" ]] && wanted+=(chromium)
  [[ -x /usr/sbin/dovecot ]] || wanted+=(dovecot-imapd)
  if [[ ${#wanted[@]} -gt 0 && $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    say "Installing Debian packages for the tests: ${wanted[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
  fi
}

reachable_postgres() {
  "$BIN/python" - "$PG_URL" <<'PY' 2>/dev/null
import sys
from urllib.parse import urlsplit, urlunsplit
import psycopg
# The test database is created by the suite; reaching the server's own database is enough.
url = urlsplit(sys.argv[1])
psycopg.connect(urlunsplit(url._replace(path="/postgres")), connect_timeout=3).close()
PY
}

reachable_redis() {
  "$BIN/python" -c 'import sys, redis; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3).ping()' "$REDIS_URL_FOR_TESTS" 2>/dev/null
}

install
ensure_debian_packages

run_step "ruff (lint)" "$BIN/ruff" check .
run_step "mypy (types)" "$BIN/mypy" rapport
# The layers between apps (pyproject.toml, [tool.importlinter]; docs/architecture.md).
run_step "import layers" "$BIN/lint-imports"
run_step "migrations are up to date" env -u DATABASE_URL -u REDIS_URL \
  DJANGO_SETTINGS_MODULE=rapport.config.test_settings "$BIN/python" -m django makemigrations --check --dry-run

if [[ -n "$(chromium_path)" ]]; then
  record found "Chromium for the browser tests" "$(chromium_path)"
else
  missing "browser tests (Chromium)" "Chromium not found: the browser tests could not run (install Debian's chromium package)"
fi
# The browser tests run in their own process: Playwright's sync API leaves an event loop
# on the main thread, which breaks later tests that call async_to_sync.
run_step "pytest on SQLite" env -u DATABASE_URL -u REDIS_URL "$BIN/pytest" -m "not browser" \
  --ignore=tests/test_authorization_matrix.py
# Its own step, so its count is on its own line: every route x 7 subjects (issue 21).
run_step "authorization matrix (every route x role x inbox membership)" env -u DATABASE_URL -u REDIS_URL \
  "$BIN/pytest" tests/test_authorization_matrix.py -q
# Schemathesis over the whole OpenAPI against a real server, bounded to ~90 s; prints its
# counts (test cases, failures, server errors, schema violations). bench/fuzz.py.
run_step "API fuzzing (schemathesis, all checks)" env -u DATABASE_URL -u REDIS_URL \
  "$BIN/python" -m bench.fuzz --ci
run_step "browser tests in Chromium (SQLite)" env -u DATABASE_URL -u REDIS_URL "$BIN/pytest" -m browser

pg_ok=true
if ! reachable_postgres; then
  pg_ok=false
  missing "pytest on PostgreSQL + Redis" "PostgreSQL not reachable: the PostgreSQL suite could not run ($PG_URL)"
fi
if ! reachable_redis; then
  pg_ok=false
  missing "pytest on PostgreSQL + Redis" "Redis not reachable: the PostgreSQL + Redis suite could not run ($REDIS_URL_FOR_TESTS)"
fi
if $pg_ok; then
  run_step "pytest on PostgreSQL + Redis" env DATABASE_URL="$PG_URL" REDIS_URL="$REDIS_URL_FOR_TESTS" \
    "$BIN/pytest" -m "not browser"
fi

say "Summary"
printf '  %s\n' "${summary[@]}"
if [[ $failed -ne 0 ]]; then
  echo "Some checks FAILED."
  exit 1
fi
echo "All suites that ran passed."

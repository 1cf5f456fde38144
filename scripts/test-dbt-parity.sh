#!/usr/bin/env bash
# npm run test:dbt-parity: dbt-core and dbt-duckdb from PyPI in a virtualenv under ~/.cache/dpf-dbt
# (made on the first run; reused while it holds the pinned versions), then
# test/dbt-parity/*.parity.ts: a dbt project under test/fixtures/dbt/ built with real dbt and,
# after `dpf import dbt`, with dpf, each into its own DuckDB file; every table is compared with
# EXCEPT ALL both ways, and the data tests' pass/fail counts must agree.
# dbt-core stays on 1.11.x: later versions pull a parser that downloads a binary while installing.
set -euo pipefail
cd "$(dirname "$0")/.."
core="${DPF_DBT_CORE_VERSION:-1.11.16}"
duckdb="${DPF_DBT_DUCKDB_VERSION:-1.10.1}"
# dbt writes the DuckDB file with Python's duckdb and the test reads it with @duckdb/node-api: the
# same engine version on both sides, or the newer file format cannot be read.
engine="$(node -p "require('@duckdb/node-api/package.json').version.split('-')[0]")"
pins="dbt-core==$core dbt-duckdb==$duckdb duckdb==$engine"
venv="${DPF_DBT_CACHE:-$HOME/.cache/dpf-dbt}/dbt-$core-$duckdb-duckdb-$engine"
if [ "$(cat "$venv/.dpf-dbt-version" 2>/dev/null)" != "$pins" ]; then
  echo "test:dbt-parity: installing $pins from PyPI into $venv" >&2
  started=$SECONDS
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  # shellcheck disable=SC2086
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $pins
  # Written last: a venv whose install was cut short is made again on the next run.
  echo "$pins" > "$venv/.dpf-dbt-version"
  echo "test:dbt-parity: installed in $((SECONDS - started)) s" >&2
else
  echo "test:dbt-parity: using $pins in $venv" >&2
fi
if [ "${1:-}" = "--install-only" ]; then exit 0; fi
DPF_DBT_VENV="$venv" npx vitest run --config test/dbt-parity/vitest.config.ts

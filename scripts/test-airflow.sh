#!/usr/bin/env bash
# npm run test:airflow: Apache Airflow from PyPI in a virtualenv under ~/.cache/dpf-airflow (made
# on the first run, about a minute; reused while it holds the pinned version), then
# test/airflow/*.airflow.ts: the demo's pipelines exported with `dpf export airflow` and run
# with `airflow dags test` against a DuckDB target, the tables checked in DuckDB.
# DPF_AIRFLOW_VERSION picks another version (2.10.x works as well: the DAG files import either).
set -euo pipefail
cd "$(dirname "$0")/.."
version="${DPF_AIRFLOW_VERSION:-3.3.2}"
venv="${DPF_AIRFLOW_CACHE:-$HOME/.cache/dpf-airflow}/airflow-$version"
if [ "$(cat "$venv/.dpf-airflow-version" 2>/dev/null)" != "$version" ]; then
  echo "test:airflow: installing apache-airflow==$version from PyPI into $venv" >&2
  started=$SECONDS
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "apache-airflow==$version"
  # Written last: a venv whose install was cut short is made again on the next run.
  echo "$version" > "$venv/.dpf-airflow-version"
  echo "test:airflow: installed in $((SECONDS - started)) s" >&2
else
  echo "test:airflow: using apache-airflow==$version in $venv" >&2
fi
DPF_AIRFLOW_VENV="$venv" npx vitest run --config test/airflow/vitest.config.ts

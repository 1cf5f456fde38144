#!/usr/bin/env bash
# npm run test:python: the Python client (python/) tested with pytest in a virtualenv under
# ~/.cache/dpf-python, made on the first run with the pinned packages below from PyPI (about a
# minute; made again when the pins change), the client installed into it on every run. The tests
# build the demo with this checkout's dpf (bin/dpf.js) into temporary folders and read it back
# through DuckDB. Tests marked `trino` need a server: scripts/test-trino.sh runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
# DuckDB the same minor version as @duckdb/node-api, so that both read and write one file format.
pins="duckdb==1.5.6 pandas==3.1.1 polars==2.1.0 pyarrow==26.0.1 trino==0.340.0 pyyaml==6.0.3 pytest==9.2.0 setuptools==84.2.1"
venv="${DPF_PYTHON_CACHE:-$HOME/.cache/dpf-python}/venv"
if [ "$(cat "$venv/.dpf-python-pins" 2>/dev/null)" != "$pins" ]; then
  echo "test:python: installing $pins from PyPI into $venv" >&2
  started=$SECONDS
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  # shellcheck disable=SC2086
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $pins
  # Written last: a venv whose install was cut short is made again on the next run.
  echo "$pins" > "$venv/.dpf-python-pins"
  echo "test:python: installed in $((SECONDS - started)) s" >&2
else
  echo "test:python: using $venv" >&2
fi
# The client as a user installs it (pip install ./python), without fetching anything more.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall ./python
rm -rf python/build python/src/*.egg-info
marker="${DPF_PYTEST_MARKER:-not trino}"
"$venv/bin/python" -m pytest python/tests -m "$marker" -p no:cacheprovider "$@"

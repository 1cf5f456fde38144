#!/usr/bin/env bash
# npm run test:trino: start a real local Trino (scripts/trino-local.sh; the first run downloads
# it), run the adapter conformance suite and the Python client's tests marked trino
# (python/tests) against it, and stop it again, pass or fail. Then the same with a second server
# whose file-based access control reads the rules `dpf grants apply` writes, for the
# access-by-role suite (test/trino/*.trino.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
rules="${DPF_TRINO_RULES:-${TMPDIR:-/tmp}/dpf-trino-access-rules.json}"
unset DPF_TRINO_RULES   # the plain server first
if url="$(bash scripts/trino-local.sh status 2>/dev/null)"; then
  echo "test:trino: using the Trino already running at $url (left running)" >&2
  started=
else
  url="$(bash scripts/trino-local.sh start)"
  started=1
  trap 'bash scripts/trino-local.sh stop' EXIT
fi
echo "test:trino: running the adapter conformance suite against Trino at $url" >&2
# A test there runs a dozen builds on a real server: on a shared two-core machine one took just
# over npm test's 60 s, so the Trino run gives each test four minutes.
DPF_TEST_ADAPTER=trino DPF_TRINO_URL="$url" npx vitest run test/adapters --testTimeout=240000 --hookTimeout=240000
echo "test:trino: running the Python client's Trino tests against Trino at $url" >&2
DPF_TRINO_URL="$url" DPF_PYTEST_MARKER=trino bash scripts/test-python.sh
# One server at a time: two JVMs on a small machine slow both.
if [ -n "$started" ]; then bash scripts/trino-local.sh stop; trap - EXIT; fi

export DPF_TRINO_RULES="$rules"
if url="$(bash scripts/trino-local.sh status 2>/dev/null)"; then
  echo "test:trino: using the Trino with access control already running at $url (left running)" >&2
else
  url="$(bash scripts/trino-local.sh start)"
  trap 'bash scripts/trino-local.sh stop' EXIT
fi
echo "test:trino: running the access-by-role suite against Trino at $url (rules: $DPF_TRINO_RULES)" >&2
DPF_TRINO_URL="$url" npx vitest run --config test/trino/vitest.config.ts

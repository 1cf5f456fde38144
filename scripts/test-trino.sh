#!/usr/bin/env bash
# npm run test:trino: start a real local Trino (scripts/trino-local.sh; the first run downloads
# it), run the adapter conformance suite against it, and stop it again, pass or fail.
set -euo pipefail
cd "$(dirname "$0")/.."
if url="$(bash scripts/trino-local.sh status 2>/dev/null)"; then
  echo "test:trino: using the Trino already running at $url (left running)" >&2
else
  url="$(bash scripts/trino-local.sh start)"
  trap 'bash scripts/trino-local.sh stop' EXIT
fi
echo "test:trino: running the adapter conformance suite against Trino at $url" >&2
DPF_TEST_ADAPTER=trino DPF_TRINO_URL="$url" npx vitest run test/adapters

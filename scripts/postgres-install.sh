#!/usr/bin/env bash
# Installs Debian's PostgreSQL server binaries when they are missing, for the postgres plugin's
# tests (test/helpers/postgres-server.ts starts and stops a private cluster of its own for each
# test file, so nothing is started here). Run by .ci/run before the tests; a person may run it too.
#   - found: initdb on the PATH (or DPF_PG_BIN), or /usr/lib/postgresql/<version>/bin/initdb
#     (where Debian puts it, off the PATH): nothing to do.
#   - missing: apt-get update && apt-get install postgresql, as root or through passwordless sudo;
#     Debian's default cluster (postgresql-common's main cluster on port 5432) is not created, since
#     no test uses it and it would start a server that outlives the run.
set -euo pipefail

log() { printf 'postgres-install: %s\n' "$*" >&2; }

found() {
  if [ -n "${DPF_PG_BIN:-}" ] && [ -x "$DPF_PG_BIN/initdb" ]; then return 0; fi
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then return 0; fi
  local initdb
  for initdb in /usr/lib/postgresql/*/bin/initdb; do
    if [ -x "$initdb" ] && [ -x "$(dirname "$initdb")/pg_ctl" ]; then return 0; fi
  done
  return 1
}

if found; then
  log "PostgreSQL's server binaries are installed"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  log "PostgreSQL is not installed, and installing it needs root (or passwordless sudo): run"
  log "  sudo apt-get update && sudo apt-get install -y postgresql"
  exit 1
fi

log "installing Debian's postgresql package (apt-get update, then apt-get install: about a minute)"
"${as_root[@]}" mkdir -p /etc/postgresql-common/createcluster.d
echo 'create_main_cluster = false' | "${as_root[@]}" tee /etc/postgresql-common/createcluster.d/dpf-no-main-cluster.conf >/dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
if ! found; then
  log "apt-get installed postgresql, but no initdb is found in /usr/lib/postgresql/*/bin"
  exit 1
fi
log "PostgreSQL's server binaries are installed"

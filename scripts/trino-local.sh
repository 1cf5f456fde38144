#!/usr/bin/env bash
# A real, single-node Trino server on loopback for dpf's Trino tests (issue: Trino adapter).
#   scripts/trino-local.sh start    install if needed (first run downloads ~540 MB from Maven
#                                   Central), start, wait until ready, print the URL
#   scripts/trino-local.sh stop     stop it
#   scripts/trino-local.sh status   print the URL if it runs
# Installs into ${DPF_TRINO_HOME:-~/.cache/dpf/trino-$VERSION}, outside the clone, reused when
# present. Catalog `iceberg` keeps Iceberg tables on local disk (no other service needed).
#   DPF_TRINO_RULES=<rules.json> scripts/trino-local.sh start|stop|status
#                                   a second server (its own run folder and port) with Trino's
#                                   file-based access control reading <rules.json> every second
#                                   (`dpf grants apply` writes it; docs/governance.md). start
#                                   resets it to rules that let user admin do anything, others nothing.
set -euo pipefail

VERSION=476
HOME_DIR="${DPF_TRINO_HOME:-$HOME/.cache/dpf/trino-$VERSION}"
SERVER="$HOME_DIR/server"
RULES="${DPF_TRINO_RULES:-}"
RUN="$HOME_DIR/run${RULES:+-rules}"
JAVA_HOME="${DPF_TRINO_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"   # Trino 476 needs Java 24+
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"

log() { printf 'trino-local: %s\n' "$*" >&2; }

PLUGINS="iceberg hive"   # iceberg: the lakehouse tables; hive: sql-standard security, for GRANT tests

install() {
  local dl="$HOME_DIR/download"
  if [ ! -x "$SERVER/bin/launcher" ]; then
    log "installing Trino $VERSION into $HOME_DIR (first run only)"
    mkdir -p "$dl"
    mvn -q -B dependency:copy -Dartifact="io.trino:trino-server-core:$VERSION:tar.gz" -DoutputDirectory="$dl" >&2
    rm -rf "$SERVER" && mkdir -p "$SERVER"
    tar -xzf "$dl/trino-server-core-$VERSION.tar.gz" -C "$SERVER" --strip-components=1
  fi
  for plugin in $PLUGINS; do
    [ -d "$SERVER/plugin/$plugin" ] && continue
    log "installing the Trino $plugin plugin (first run only)"
    mkdir -p "$dl"
    mvn -q -B dependency:copy -Dartifact="io.trino:trino-$plugin:$VERSION:zip" -DoutputDirectory="$dl" >&2
    local tmp="$HOME_DIR/unzip" && rm -rf "$tmp" && mkdir -p "$tmp"
    (cd "$tmp" && jar xf "$dl/trino-$plugin-$VERSION.zip")
    mv "$tmp/trino-$plugin-$VERSION" "$SERVER/plugin/$plugin" && rm -rf "$tmp"
    rm -f "$dl/trino-$plugin-$VERSION.zip"
  done
  rm -f "$dl/trino-server-core-$VERSION.tar.gz"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

configure() {
  local port="$1"
  # A fresh server starts from an empty warehouse: test schemas of earlier runs (their Iceberg
  # files and the file metastore) would otherwise pile up under ~/.cache (70 GB seen here).
  rm -rf "$RUN/etc" "$RUN/warehouse" && mkdir -p "$RUN/etc/catalog" "$RUN/data" "$RUN/warehouse"
  cat > "$RUN/etc/node.properties" <<PROPS
node.environment=dpf_test
node.id=dpf-local
node.data-dir=$RUN/data
PROPS
  cat > "$RUN/etc/jvm.config" <<JVM
-server
-Xmx2G
-XX:+UseG1GC
-XX:+ExitOnOutOfMemoryError
-Djdk.attach.allowAttachSelf=true
JVM
  cat > "$RUN/etc/config.properties" <<PROPS
coordinator=true
node-scheduler.include-coordinator=true
http-server.http.port=$port
discovery.uri=http://127.0.0.1:$port
query.max-memory=1GB
query.max-memory-per-node=1GB
PROPS
  cat > "$RUN/etc/catalog/iceberg.properties" <<PROPS
connector.name=iceberg
iceberg.catalog.type=TESTING_FILE_METASTORE
hive.metastore.catalog.dir=local:///metastore
fs.native-local.enabled=true
local.location=$RUN/warehouse
PROPS
  cat > "$RUN/etc/catalog/hive.properties" <<PROPS
connector.name=hive
hive.metastore=file
hive.metastore.catalog.dir=local:///hive-metastore
fs.native-local.enabled=true
local.location=$RUN/warehouse
hive.security=sql-standard
PROPS
  [ -n "$RULES" ] || return 0
  cat > "$RUN/etc/access-control.properties" <<PROPS
access-control.name=file
security.config-file=$RULES
security.refresh-period=1s
PROPS
  # A fresh server starts from these rules, whatever an earlier run left in the file.
  printf '%s\n' '{"catalogs": [{"user": "admin", "allow": "all"}, {"catalog": "system", "allow": "read-only"}]}' > "$RULES"
}

url() { [ -f "$RUN/port" ] && echo "http://127.0.0.1:$(cat "$RUN/port")"; }

ready() {
  local u; u="$(url)" || return 1
  curl -fsS "$u/v1/info" 2>/dev/null | grep -q '"starting":false' && answers "$u"
}

# SELECT 1 through the statement protocol: POST, then follow nextUri until the query ends.
answers() {
  node -e '
    const base = process.argv[1];
    (async () => {
      let page = await (await fetch(base + "/v1/statement", { method: "POST", body: "select 1", headers: { "X-Trino-User": "dpf" } })).json();
      while (page.nextUri && !page.error) page = await (await fetch(page.nextUri)).json();
      process.exit(page.error ? 1 : 0);
    })().catch(() => process.exit(1));
  ' "$1"
}

start() {
  if ready; then url; return 0; fi
  install
  local port; port="$(free_port)"
  configure "$port"
  echo "$port" > "$RUN/port"
  # 9>&-: the server must not inherit the lock (locked() below), or a stop would wait for it forever.
  "$SERVER/bin/launcher" start --etc-dir "$RUN/etc" --data-dir "$RUN/data" >&2 9>&-
  log "waiting for Trino on port $port"
  for _ in $(seq 1 180); do
    if ready; then url; return 0; fi
    if ! "$SERVER/bin/launcher" status --etc-dir "$RUN/etc" --data-dir "$RUN/data" >/dev/null 2>&1; then
      log "Trino exited while starting; the end of its log:"
      tail -40 "$RUN/data/var/log/server.log" >&2 || true
      return 1
    fi
    sleep 1
  done
  log "Trino did not become ready in 180 s; the end of its log:"
  tail -40 "$RUN/data/var/log/server.log" >&2 || true
  return 1
}

stop() {
  [ -d "$RUN/etc" ] || return 0
  "$SERVER/bin/launcher" stop --etc-dir "$RUN/etc" --data-dir "$RUN/data" >&2 || true
  rm -f "$RUN/port"
}

# One start or stop at a time per run folder: a second caller starting while the first one's
# server is still coming up would otherwise rewrite its etc/ and port under it.
locked() {
  mkdir -p "$HOME_DIR"
  exec 9>"$HOME_DIR/.lock-$(basename "$RUN")"
  flock 9
  "$@"
}

case "${1:-}" in
  start) locked start ;;
  stop) locked stop ;;
  status) ready && url || { log "not running"; exit 1; } ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

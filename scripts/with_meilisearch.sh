#!/usr/bin/env bash
# Runs a command with a Meilisearch server it finds — $MEILI_BIN, else `meilisearch` on
# the PATH — started on 127.0.0.1 with a random master key and a temporary database, and
# MEILI_URL / MEILI_MASTER_KEY exported; the server is stopped afterwards. With no binary
# it says so and exits 78 (EX_CONFIG) without running the command: the caller decides
# what that means.
# The project never builds or ships Meilisearch: it only uses one the machine has.
set -euo pipefail

binary="${MEILI_BIN:-$(command -v meilisearch || true)}"
if [ -z "$binary" ] || [ ! -x "$binary" ]; then
  echo "no Meilisearch binary (set MEILI_BIN or put meilisearch on the PATH)" >&2
  exit 78
fi

data="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
key="$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
MEILI_NO_ANALYTICS=true "$binary" --http-addr "127.0.0.1:$port" --master-key="$key" \
  --db-path "$data/data.ms" --dump-dir "$data/dumps" --snapshot-dir "$data/snapshots" \
  --env development >"$data/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "Meilisearch stopped at start:" >&2
    cat "$data/server.log" >&2
    exit 1
  fi
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/health" >/dev/null || { cat "$data/server.log" >&2; exit 1; }
echo "--- Meilisearch $("$binary" --version 2>/dev/null | head -1) on 127.0.0.1:$port"

export MEILI_URL="http://127.0.0.1:$port" MEILI_MASTER_KEY="$key"
"$@"

#!/usr/bin/env bash
# Differential HTTP conformance: `gatehouse serve` from the built dist (run `npm run build` first)
# against the transcript recorded from the real FastAPI tutorial app. The kit: $CONFORMANCE_DIR when
# set, else ../shared/conformance when it sits beside the clone, else the in-repo copy
# (test/fixtures/conformance). Exits with run.mjs's status (0 when every case matches).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${CONFORMANCE_DIR:-}" ]; then
  kit=$CONFORMANCE_DIR
elif [ -f ../shared/conformance/run.mjs ]; then
  kit=../shared/conformance
else
  kit=test/fixtures/conformance
fi
echo "conformance: kit $kit"
[ -f dist/cli/index.js ] || { echo "conformance: dist/cli/index.js is missing: run npm run build first" >&2; exit 2; }
[ -f "$kit/run.mjs" ] || { echo "conformance: $kit/run.mjs not found" >&2; exit 2; }

# The seed's key, which run.mjs signs its crafted tokens with.
export SECRET_KEY=${SECRET_KEY:-09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7}

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A copy of the users: the server may rewrite its users file (hash upgrades); the kit stays untouched.
cp "$kit/users.json" "$work/users.json"
# Port 0: the server picks a free port and prints its URL.
node dist/cli/index.js serve --host 127.0.0.1 --port 0 --users "$work/users.json" >"$work/server.log" 2>&1 &
server=$!

url=""
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/server.log" | head -n 1 || true)
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "conformance: the server did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
# It prints its URL once listening; check that it answers anyway.
node -e 'fetch(process.argv[1] + "/openapi.json").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$url"

status=0
node "$kit/run.mjs" "$url" --cases "$kit/cases.json" --expect "$kit/fastapi-transcript.json" || status=$?
exit "$status"

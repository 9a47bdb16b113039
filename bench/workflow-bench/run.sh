#!/usr/bin/env bash
# Benchmark (not a test): executions per second and end-to-end latency of one workflow — an inbound webhook, a code
# node that reshapes the JSON, an HTTP POST of the result to a receiver — on the whole MedHook suite, beside the same
# flow in Node-RED (http in → function → http request → http response), in one run on this machine.
# n8n, the peer issue 5 names, does not install from the npm registry here (../shared/PEERS.md); Node-RED is the
# installable peer of the same kind. n8n's own published figure (220 executions/s on 2 vCPUs) sets the issue's aim.
#
#   bench/workflow-bench/run.sh              build what is needed, run both, print the table
#   bench/workflow-bench/run.sh --no-build   use the jars and node_modules already there
#
# MedHook is started by ./medhook up with its own state directory, ports and databases (it does not clash with a
# suite you run yourself) and stopped at the end; its databases are dropped. Node-RED 4.1.15 is installed from npm
# into bench/workflow-bench/node-red/node_modules (not committed). Both flows post to the same receiver on 127.0.0.2
# (MedHook's egress allow-list admits exactly 127.0.0.2/32 for the run).
# Load: BENCH_CLIENTS closed-loop clients (each waits until its message reached the receiver before sending the next),
# BENCH_WARMUP s, then BENCH_DURATION s measured; Node-RED first, then MedHook.
#
# Environment (defaults): BENCH_CLIENTS=32 BENCH_WARMUP=15 BENCH_DURATION=30 BENCH_PAYLOADS=all (MedHook's
# settings.payloads for the workflow: all | errors | none) BENCH_PORT_BASE=18480 (MedHook APIs on +1..+4, management on
# +11..+14, Node-RED on +20, the receiver on 127.0.0.2:+30); PGHOST PGPORT PGUSER PGPASSWORD as for ./medhook.
# Results: bench/workflow-bench/target/results/<time>/ (node-red.json, medhook.json, results.md, machine.txt, logs).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
CLIENTS=${BENCH_CLIENTS:-32}
WARMUP=${BENCH_WARMUP:-15}
DURATION=${BENCH_DURATION:-30}
PAYLOADS=${BENCH_PAYLOADS:-all}
BASE=${BENCH_PORT_BASE:-18480}
NODE_RED_PORT=$((BASE + 20))
RECEIVER_PORT=$((BASE + 30))
STAMP=$(date +%Y%m%d-%H%M%S)
TARGET=$HERE/target
RESULTS=$TARGET/results/$STAMP
STATE=$TARGET/state-$STAMP

say() { printf '[bench] %s\n' "$*"; }
die() { printf '[bench] %s\n' "$*" >&2; exit 1; }
[[ -x "$JAVA" ]] || die "no JDK at $JAVA_HOME; set JAVA_HOME"
command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed for Node-RED"

if [[ "${1:-}" != "--no-build" ]]; then
  say "building the services (skip tests) and the benchmark module ..."
  (cd "$ROOT" && ./mvnw -B -q -DskipTests -pl local-postgres,auth-service,sandbox-service,workflow-service,audit-service -am package) \
    || die "build failed"
  (cd "$ROOT" && ./mvnw -B -q -f bench/workflow-bench/pom.xml -Pbench package) || die "benchmark build failed"
  say "installing Node-RED from npm ..."
  (cd "$HERE/node-red" && npm install --no-audit --no-fund --loglevel=error >/dev/null) || die "npm install node-red failed"
fi
[[ -f "$TARGET/classpath.txt" ]] || die "benchmark module not built with -Pbench: run without --no-build"
[[ -x "$HERE/node-red/node_modules/.bin/node-red" ]] || die "Node-RED not installed: run without --no-build"
CP="$TARGET/classes:$(cat "$TARGET/classpath.txt")"
mkdir -p "$RESULTS" "$STATE/node-red"
ln -sfn "$STAMP" "$TARGET/results/latest"
(umask 077; head -c 24 /dev/urandom | base64 | tr -d '=+/\n' >"$STATE/admin-password")

export MEDHOOK_STATE_DIR=$STATE/medhook
export MEDHOOK_AUTH_PORT=$((BASE + 1)) MEDHOOK_WORKFLOW_PORT=$((BASE + 2)) MEDHOOK_SANDBOX_PORT=$((BASE + 3))
export MEDHOOK_AUDIT_PORT=$((BASE + 4))
export MEDHOOK_AUTH_MANAGEMENT_PORT=$((BASE + 11)) MEDHOOK_WORKFLOW_MANAGEMENT_PORT=$((BASE + 12))
export MEDHOOK_SANDBOX_MANAGEMENT_PORT=$((BASE + 13)) MEDHOOK_AUDIT_MANAGEMENT_PORT=$((BASE + 14))
export MEDHOOK_DB_PREFIX=medhookwfbench_$(date +%s)
export MEDHOOK_ADMIN_PASSWORD=$(cat "$STATE/admin-password")
export MEDHOOK_EGRESS_ALLOWED_CIDRS=127.0.0.2/32
if [[ -n "${PGHOST:-}" ]]; then
  export MEDHOOK_DB_URL="postgresql://${PGUSER:-postgres}${PGPASSWORD:+:$PGPASSWORD}@$PGHOST:${PGPORT:-5432}"
fi

NODE_RED_PID=""
cleanup() {
  set +e
  [[ -n "$NODE_RED_PID" ]] && kill "$NODE_RED_PID" 2>/dev/null && wait "$NODE_RED_PID" 2>/dev/null
  if [[ -d "$MEDHOOK_STATE_DIR" ]]; then
    cp "$MEDHOOK_STATE_DIR"/logs/*.log "$RESULTS/" 2>/dev/null
    (cd "$ROOT" && ./medhook down >/dev/null 2>&1)
    for db in auth workflow audit; do
      psql -q -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U "${PGUSER:-postgres}" -d postgres \
        -c "drop database if exists ${MEDHOOK_DB_PREFIX}_$db" >/dev/null 2>&1
    done
  fi
  rm -rf "$STATE"
}
trap cleanup EXIT

{
  echo "date: $(date -Is)"
  echo "machine: $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "uptime before: $(uptime)"
  echo "JDK: $("$JAVA" -version 2>&1 | head -1); Node.js $(node -v); Node-RED $(node -p "require('$HERE/node-red/node_modules/node-red/package.json').version")"
  echo "MedHook $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?') + working tree"
  echo "command: bench/workflow-bench/run.sh (BENCH_CLIENTS=$CLIENTS BENCH_WARMUP=$WARMUP BENCH_DURATION=$DURATION BENCH_PAYLOADS=$PAYLOADS)"
} >"$RESULTS/machine.txt"

load() { # TARGET URL EXPECTED_STATUS OUT
  "$JAVA" -Xms256m -Xmx1g -cp "$CP" io.medhook.bench.workflow.WorkflowBench load --target="$1" --url="$2" \
    --expect-status="$3" --receiver-host=127.0.0.2 --receiver-port="$RECEIVER_PORT" --clients="$CLIENTS" \
    --warmup="$WARMUP" --duration="$DURATION" --out="$RESULTS/$4"
}

# --- Node-RED ---------------------------------------------------------------------------------------------------
cp "$HERE/node-red/settings.js" "$STATE/node-red/settings.js"
cat >"$STATE/node-red/flows.json" <<JSON
[
  {"id": "bench", "type": "tab", "label": "bench"},
  {"id": "in", "type": "http in", "z": "bench", "url": "/hook", "method": "post", "upload": false, "wires": [["fn"]]},
  {"id": "fn", "type": "function", "z": "bench", "name": "transform", "outputs": 1, "wires": [["req"]],
   "func": "msg.payload = {id: msg.payload.id, twice: msg.payload.n * 2};\nmsg.headers = {'content-type': 'application/json'};\nreturn msg;"},
  {"id": "req", "type": "http request", "z": "bench", "method": "POST", "ret": "txt", "persist": true,
   "url": "http://127.0.0.2:$RECEIVER_PORT/in", "wires": [["res"]]},
  {"id": "res", "type": "http response", "z": "bench", "statusCode": "200", "wires": []}
]
JSON
say "starting Node-RED on 127.0.0.1:$NODE_RED_PORT"
"$HERE/node-red/node_modules/.bin/node-red" --userDir "$STATE/node-red" --port "$NODE_RED_PORT" \
  --settings "$STATE/node-red/settings.js" "$STATE/node-red/flows.json" >"$RESULTS/node-red.log" 2>&1 &
NODE_RED_PID=$!
for _ in $(seq 1 120); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"id":"probe","n":21}' \
    "http://127.0.0.1:$NODE_RED_PORT/hook" || true) =~ ^(200|500|502)$ ]] && break
  kill -0 "$NODE_RED_PID" 2>/dev/null || die "Node-RED exited; see $RESULTS/node-red.log"
  sleep 0.5
done
say "Node-RED: $CLIENTS clients, $WARMUP s warm-up + $DURATION s measured"
load "Node-RED 4.1.15" "http://127.0.0.1:$NODE_RED_PORT/hook" 200 node-red.json
kill "$NODE_RED_PID"; wait "$NODE_RED_PID" 2>/dev/null || true; NODE_RED_PID=""

# --- MedHook ----------------------------------------------------------------------------------------------------
say "starting MedHook with ./medhook up (ports $((BASE + 1))-$((BASE + 4)), databases ${MEDHOOK_DB_PREFIX}_*)"
(cd "$ROOT" && ./medhook up >"$RESULTS/medhook-up.log" 2>&1) || die "./medhook up failed; see $RESULTS/medhook-up.log"
"$JAVA" -cp "$CP" io.medhook.bench.workflow.WorkflowBench setup --auth="http://127.0.0.1:$MEDHOOK_AUTH_PORT" \
  --workflow="http://127.0.0.1:$MEDHOOK_WORKFLOW_PORT" --password-file="$STATE/admin-password" \
  --receiver="http://127.0.0.2:$RECEIVER_PORT/in" --payloads="$PAYLOADS" --out="$STATE/webhook-url"
sleep 5
say "MedHook: $CLIENTS clients, $WARMUP s warm-up + $DURATION s measured"
load "MedHook (payloads=$PAYLOADS)" "$(cat "$STATE/webhook-url")" 202 medhook.json

echo "uptime after: $(uptime)" >>"$RESULTS/machine.txt"
"$JAVA" -cp "$CP" io.medhook.bench.workflow.WorkflowBench report --dir="$RESULTS"
say "results in $RESULTS"

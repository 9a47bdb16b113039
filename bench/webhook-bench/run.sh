#!/usr/bin/env bash
# Benchmark (not a test): signed webhook deliveries per second from workflow-service to a loopback receiver, and the
# lateness of scheduled retries (due time → receipt) under a backlog of pending retries.
#
#   bench/webhook-bench/run.sh              build what is needed, run, print the figures
#   bench/webhook-bench/run.sh --no-build   use the jars already built
#
# It starts its own auth-service (logins, the workspace) and workflow-service (the dispatcher under test) on its own
# ports with fresh databases medhookbench_<time>_{auth,workflow}, dropped at the end. The receiver runs in the
# benchmark JVM on 127.0.0.2 (allow-listed for this workflow-service) and verifies every signature.
# Environment (defaults):
#   BENCH_ENDPOINTS=20 BENCH_DELIVERIES=20000                 throughput: deliveries all due at once over N endpoints
#   BENCH_BACKLOG=100000 BENCH_RETRIES=3000 BENCH_RETRY_WINDOW=30   lateness: pending-retry backlog, retries due evenly
#   BENCH_AUTH_PORT=18381 BENCH_WORKFLOW_PORT=18382          ports
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres PGPASSWORD  the PostgreSQL (psql must be installed)
#   BENCH_KEEP_DB=1                                          keep the databases
# Results: bench/webhook-bench/target/results/<time>/ (results.json, machine.txt, service logs).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
ENDPOINTS=${BENCH_ENDPOINTS:-20}
DELIVERIES=${BENCH_DELIVERIES:-20000}
BACKLOG=${BENCH_BACKLOG:-100000}
RETRIES=${BENCH_RETRIES:-3000}
WINDOW=${BENCH_RETRY_WINDOW:-30}
AUTH_PORT=${BENCH_AUTH_PORT:-18381}
WORKFLOW_PORT=${BENCH_WORKFLOW_PORT:-18382}
AUTH_MGMT_PORT=$((AUTH_PORT + 1000))       # health is on each service's management interface
WORKFLOW_MGMT_PORT=$((WORKFLOW_PORT + 1000))
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
STAMP=$(date +%Y%m%d-%H%M%S)
DB_PREFIX=medhookbench_$(date +%s)
AUTH_DB=${DB_PREFIX}_auth
WORKFLOW_DB=${DB_PREFIX}_workflow
TARGET=$HERE/target
STATE=$TARGET/state-$STAMP
RESULTS=$TARGET/results/$STAMP
AUTH_JAR=$ROOT/auth-service/target/quarkus-app/quarkus-run.jar
WORKFLOW_JAR=$ROOT/workflow-service/target/quarkus-app/quarkus-run.jar

say() { printf '[bench] %s\n' "$*"; }
die() { printf '[bench] %s\n' "$*" >&2; exit 1; }

[[ -x "$JAVA" ]] || die "no JDK at $JAVA_HOME; set JAVA_HOME"
command -v psql >/dev/null || die "psql is needed to create the benchmark's databases"

if [[ "${1:-}" != "--no-build" ]]; then
  say "building auth-service, workflow-service (skip tests) and the benchmark module ..."
  (cd "$ROOT" && ./mvnw -B -q -pl auth-service,workflow-service -am install -DskipTests) || die "build failed"
  (cd "$ROOT" && ./mvnw -B -q -f bench/webhook-bench/pom.xml -Pbench package) || die "benchmark build failed"
fi
for f in "$AUTH_JAR" "$WORKFLOW_JAR"; do [[ -f "$f" ]] || die "no $f: run without --no-build"; done
[[ -f "$TARGET/classpath.txt" ]] || die "benchmark module not built with -Pbench: run without --no-build"
CP="$TARGET/classes:$(cat "$TARGET/classpath.txt")"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$AUTH_PORT" "$WORKFLOW_PORT" "$AUTH_MGMT_PORT" "$WORKFLOW_MGMT_PORT"; do port_free "$p" || die "port $p is taken"; done

mkdir -p "$RESULTS" "$STATE/secrets/service-clients"
chmod 700 "$STATE" "$STATE/secrets"
ln -sfn "$STAMP" "$TARGET/results/latest"
random_secret() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
(umask 077
 random_secret >"$STATE/secrets/service-clients/workflow-service"
 random_secret >"$STATE/admin-password")

AUTH_PID="" WORKFLOW_PID=""
stop() { if [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; then kill "$1"; wait "$1" 2>/dev/null; fi; }
cleanup() {
  set +e
  stop "$WORKFLOW_PID"
  stop "$AUTH_PID"
  if [[ -z "${BENCH_KEEP_DB:-}" ]]; then
    psql -q -d postgres -c "drop database if exists $WORKFLOW_DB" >/dev/null 2>&1
    psql -q -d postgres -c "drop database if exists $AUTH_DB" >/dev/null 2>&1
  fi
  rm -rf "$STATE"
}
trap cleanup EXIT

wait_http() { # URL PID NAME LOG
  local deadline=$((SECONDS + 240))
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "$1" || true) == 200 ]]; do
    kill -0 "$2" 2>/dev/null || die "$3 exited during start; see $4"
    ((SECONDS < deadline)) || die "$3 not ready after 240 s; see $4"
    sleep 0.5
  done
}

for db in "$AUTH_DB" "$WORKFLOW_DB"; do
  psql -q -v ON_ERROR_STOP=1 -d postgres -c "create database $db" >/dev/null || die "cannot create database $db"
done

service_env() { # DB PORT MANAGEMENT_PORT
  printf '%s\n' QUARKUS_PROFILE=local "QUARKUS_HTTP_PORT=$2" QUARKUS_HTTP_HOST=127.0.0.1 "QUARKUS_MANAGEMENT_PORT=$3" \
    "MEDHOOK_SECRETS_LOCAL_DIR=$STATE/secrets" \
    "MEDHOOK_SECURITY_AUTH_URL=http://127.0.0.1:$AUTH_PORT" \
    "MEDHOOK_AUDIT_CLIENT_URL=http://127.0.0.1:1" \
    "QUARKUS_REST_CLIENT_SANDBOX_URL=http://127.0.0.1:1" \
    "MEDHOOK_WORKFLOW_PUBLIC_URL=http://127.0.0.1:$WORKFLOW_PORT" \
    "MEDHOOK_AUTH_USAGE_WORKFLOW_URL=http://127.0.0.1:$WORKFLOW_PORT" \
    "MEDHOOK_AUTH_BOOTSTRAP_PASSWORD_FILE=$STATE/admin-password.generated" \
    "MEDHOOK_ADMIN_PASSWORD=$(cat "$STATE/admin-password")" \
    "QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://$PGHOST:$PGPORT/$1" \
    "QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://$PGHOST:$PGPORT/$1" \
    "QUARKUS_DATASOURCE_USERNAME=$PGUSER"
  [[ -n "${PGPASSWORD:-}" ]] && printf '%s\n' "QUARKUS_DATASOURCE_PASSWORD=$PGPASSWORD"
  return 0
}

say "machine: $(nproc) CPUs, $(uptime)"
mapfile -t ENV_AUTH < <(service_env "$AUTH_DB" "$AUTH_PORT" "$AUTH_MGMT_PORT")
env "${ENV_AUTH[@]}" "$JAVA" -Xms64m -Xmx512m -jar "$AUTH_JAR" >"$RESULTS/auth-service.log" 2>&1 &
AUTH_PID=$!
mapfile -t ENV_WF < <(service_env "$WORKFLOW_DB" "$WORKFLOW_PORT" "$WORKFLOW_MGMT_PORT")
# the receiver's loopback address is allow-listed, and workspaces are sandboxes (http endpoints)
env "${ENV_WF[@]}" MEDHOOK_EGRESS_ALLOWED_CIDRS=127.0.0.2/32 MEDHOOK_WORKFLOW_DELIVERY_DEFAULT_WORKSPACE_KIND=sandbox \
  "$JAVA" -Xms64m -Xmx512m -jar "$WORKFLOW_JAR" >"$RESULTS/workflow-service.log" 2>&1 &
WORKFLOW_PID=$!
wait_http "http://127.0.0.1:$AUTH_MGMT_PORT/q/health/ready" "$AUTH_PID" auth-service "$RESULTS/auth-service.log"
wait_http "http://127.0.0.1:$WORKFLOW_MGMT_PORT/q/health/ready" "$WORKFLOW_PID" workflow-service "$RESULTS/workflow-service.log"
sleep 3

COMMAND="bench/webhook-bench/run.sh (BENCH_ENDPOINTS=$ENDPOINTS BENCH_DELIVERIES=$DELIVERIES BENCH_BACKLOG=$BACKLOG"
COMMAND+=" BENCH_RETRIES=$RETRIES BENCH_RETRY_WINDOW=$WINDOW)"
{
  echo "date: $(date -Is)"
  echo "machine: $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "uptime before the measurements: $(uptime)"
  echo "JDK: $("$JAVA" -version 2>&1 | head -1); PostgreSQL: $(psql -XAtq -d postgres -c 'show server_version')"
  echo "MedHook $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?') + working tree"
  echo "command: $COMMAND"
} >"$RESULTS/machine.txt"
CPU0=$(awk '{print $14+$15}' "/proc/$WORKFLOW_PID/stat")
T0=$(date +%s.%N)
"$JAVA" -Xms256m -Xmx512m -cp "$CP" io.medhook.bench.webhook.WebhookBench \
  --auth-url="http://127.0.0.1:$AUTH_PORT" --workflow-url="http://127.0.0.1:$WORKFLOW_PORT" \
  --admin-password-file="$STATE/admin-password" \
  --jdbc-url="jdbc:postgresql://$PGHOST:$PGPORT/$WORKFLOW_DB" --user="$PGUSER" --password="${PGPASSWORD:-}" \
  --endpoints="$ENDPOINTS" --deliveries="$DELIVERIES" --backlog="$BACKLOG" --retries="$RETRIES" \
  --retry-window="$WINDOW" --out="$RESULTS/results.json"
CPU1=$(awk '{print $14+$15}' "/proc/$WORKFLOW_PID/stat")
T1=$(date +%s.%N)
{
  echo "uptime after the measurements: $(uptime)"
  echo "workflow-service CPU over the whole run: $(echo "($CPU1 - $CPU0) / $(getconf CLK_TCK)" | bc -l | xargs printf '%.1f') s in $(echo "$T1 - $T0" | bc -l | xargs printf '%.1f') s"
} >>"$RESULTS/machine.txt"
cat "$RESULTS/machine.txt"
say "results in $RESULTS"

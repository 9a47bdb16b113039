#!/usr/bin/env bash
# Benchmark (not a test): sustained ingest of audit-service (events per second, batched over REST from several
# producers, with the SHA-256 hash chain) and its NDJSON export, beside PostgreSQL's own COPY FROM STDIN / COPY TO
# STDOUT of the same number of rows of the same shape, in one run on this machine.
#
#   bench/audit-bench/run.sh              build what is needed, run everything, print the table
#   bench/audit-bench/run.sh --no-build   use the jars already built
#
# It starts its own processes on its own ports and its own fresh databases, so it does not clash with ./medhook up:
#   auth-service    issues the producers' service tokens (client workflow-service, audience medhook-audit) and the
#                   admin's login token for the export; database medhookbench_<time>_auth
#   audit-service   the packaged jar, started with the env of ./medhook, -Xms64m -Xmx512m like ./medhook;
#                   database medhookbench_<time>_audit (also holds the COPY reference tables); both dropped at the end
# Steps: ingest, closed loop (BENCH_PRODUCERS × BENCH_BATCH, BENCH_WARMUP s + BENCH_DURATION s) → ingest.json;
# ingest paced at BENCH_RATE events/s (BENCH_RATE_WARMUP s + BENCH_RATE_DURATION s) → ingest-paced.json;
# COPY of as many rows as the chain then holds (into a table like audit_event including all, and one without indexes,
# then COPY TO STDOUT) → copy.json; one NDJSON export of the whole chain → export.json; the table → results.md.
# Results: bench/audit-bench/target/results/<time>/ (those files, machine.txt, service logs); target/results/latest
# points at the last run.
#
# Environment (defaults):
#   BENCH_PRODUCERS=4 BENCH_BATCH=1000 BENCH_WARMUP=15 BENCH_DURATION=30   closed-loop ingest
#   BENCH_RATE=20000 BENCH_RATE_WARMUP=10 BENCH_RATE_DURATION=30           paced ingest (BENCH_RATE=0 leaves it out)
#   BENCH_RATE_PRODUCERS=4 BENCH_RATE_BATCH=250                            its producers and batch size
#   BENCH_AUTH_PORT=18281 BENCH_AUDIT_PORT=18284                           ports (health on port + 1000)
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres PGPASSWORD                the PostgreSQL (psql must be installed)
#   BENCH_KEEP_DB=1                                                        keep the databases
#   BENCH_AUDIT_JAVA_OPTS   extra JVM options for audit-service, e.g. to profile it with JDK Flight Recorder:
#                           "-XX:StartFlightRecording=filename=/tmp/audit.jfr,settings=profile"
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
PRODUCERS=${BENCH_PRODUCERS:-4}
BATCH=${BENCH_BATCH:-1000}
WARMUP=${BENCH_WARMUP:-15}
DURATION=${BENCH_DURATION:-30}
RATE=${BENCH_RATE:-20000}
RATE_WARMUP=${BENCH_RATE_WARMUP:-10}
RATE_DURATION=${BENCH_RATE_DURATION:-30}
RATE_PRODUCERS=${BENCH_RATE_PRODUCERS:-4}
RATE_BATCH=${BENCH_RATE_BATCH:-250}
AUTH_PORT=${BENCH_AUTH_PORT:-18281}
AUDIT_PORT=${BENCH_AUDIT_PORT:-18284}
# health is on each service's management interface (quarkus.management.enabled): API port + 1000
AUTH_MGMT_PORT=$((AUTH_PORT + 1000))
AUDIT_MGMT_PORT=$((AUDIT_PORT + 1000))
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
STAMP=$(date +%Y%m%d-%H%M%S)
DB_PREFIX=medhookbench_$(date +%s)
AUTH_DB=${DB_PREFIX}_auth
AUDIT_DB=${DB_PREFIX}_audit
TARGET=$HERE/target
STATE=$TARGET/state-$STAMP
RESULTS=$TARGET/results/$STAMP
AUTH_JAR=$ROOT/auth-service/target/quarkus-app/quarkus-run.jar
AUDIT_JAR=$ROOT/audit-service/target/quarkus-app/quarkus-run.jar
LOCALPG_JAR=$ROOT/local-postgres/target/local-postgres.jar

say() { printf '[bench] %s\n' "$*"; }
die() { printf '[bench] %s\n' "$*" >&2; exit 1; }

[[ -x "$JAVA" ]] || die "no JDK at $JAVA_HOME (JDK 21+, Temurin 25 on these machines); set JAVA_HOME"
command -v psql >/dev/null || die "psql is needed to create the benchmark's databases"
((BATCH >= 1 && BATCH <= 1000)) || die "BENCH_BATCH must be 1..1000 (audit-service's medhook.audit.ingest.max-batch-size)"

if [[ "${1:-}" != "--no-build" ]]; then
  say "building local-postgres, auth-service, audit-service (skip tests) and the benchmark module ..."
  (cd "$ROOT" && ./mvnw -B -q -pl local-postgres,auth-service,audit-service -am install -DskipTests) || die "build failed"
  (cd "$ROOT" && ./mvnw -B -q -f bench/audit-bench/pom.xml -Pbench package) || die "benchmark build failed"
fi
for f in "$AUTH_JAR" "$AUDIT_JAR" "$LOCALPG_JAR"; do [[ -f "$f" ]] || die "no $f: run without --no-build"; done
[[ -f "$TARGET/classpath.txt" ]] || die "benchmark module not built with -Pbench: run without --no-build"
CP="$TARGET/classes:$(cat "$TARGET/classpath.txt")"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$AUTH_PORT" "$AUDIT_PORT" "$AUTH_MGMT_PORT" "$AUDIT_MGMT_PORT"; do
  port_free "$p" || die "port $p is taken; set BENCH_AUTH_PORT / BENCH_AUDIT_PORT"
done

mkdir -p "$RESULTS" "$STATE/secrets/service-clients"
chmod 700 "$STATE" "$STATE/secrets"
ln -sfn "$STAMP" "$TARGET/results/latest"
random_secret() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
(umask 077
 random_secret >"$STATE/secrets/service-clients/workflow-service"
 random_secret >"$STATE/admin-password")

AUTH_PID="" AUDIT_PID=""
stop() { # PID
  if [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; then
    kill "$1"; wait "$1" 2>/dev/null
  fi
}
cleanup() {
  set +e
  stop "$AUDIT_PID"
  stop "$AUTH_PID"
  if [[ -z "${BENCH_KEEP_DB:-}" ]]; then
    psql -q -d postgres -c "drop database if exists $AUDIT_DB" >/dev/null 2>&1
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

say "machine: $(nproc) CPUs, $(uptime)"
for db in "$AUTH_DB" "$AUDIT_DB"; do
  psql -q -v ON_ERROR_STOP=1 -d postgres -c "create database $db" >/dev/null || die "cannot create database $db on $PGHOST:$PGPORT"
done
# audit-service writes as medhook_audit_writer and prunes as medhook_audit_retention: the cluster roles must exist
# before it starts (its migrations grant them their rights), as ./medhook prepares them
MEDHOOK_DB_PASSWORD="${PGPASSWORD:-}" "$JAVA" -jar "$LOCALPG_JAR" ensure-roles "$PGHOST" "$PGPORT" "$PGUSER" \
  medhook_audit_writer medhook_audit_retention >"$RESULTS/ensure-roles.log" 2>&1 \
  || die "could not create audit-service's database roles; see $RESULTS/ensure-roles.log"

# the env of ./medhook's start_service, with this run's ports, databases and secrets; nothing listens on the
# workflow and sandbox URLs (not needed here)
service_env() { # DB PORT MANAGEMENT_PORT
  printf '%s\n' QUARKUS_PROFILE=local "QUARKUS_HTTP_PORT=$2" QUARKUS_HTTP_HOST=127.0.0.1 \
    "QUARKUS_MANAGEMENT_PORT=$3" QUARKUS_MANAGEMENT_HOST=127.0.0.1 \
    "MEDHOOK_SECRETS_LOCAL_DIR=$STATE/secrets" \
    "MEDHOOK_SECURITY_AUTH_URL=http://127.0.0.1:$AUTH_PORT" \
    "MEDHOOK_AUDIT_CLIENT_URL=http://127.0.0.1:$AUDIT_PORT" \
    "QUARKUS_REST_CLIENT_SANDBOX_URL=http://127.0.0.1:1" \
    "MEDHOOK_WORKFLOW_PUBLIC_URL=http://127.0.0.1:1" \
    "MEDHOOK_AUTH_USAGE_WORKFLOW_URL=http://127.0.0.1:1" \
    "MEDHOOK_AUTH_BOOTSTRAP_PASSWORD_FILE=$STATE/admin-password.generated" \
    "MEDHOOK_ADMIN_PASSWORD=$(cat "$STATE/admin-password")" \
    "QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://$PGHOST:$PGPORT/$1" \
    "QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://$PGHOST:$PGPORT/$1" \
    "QUARKUS_DATASOURCE_USERNAME=$PGUSER"
  if [[ -n "${PGPASSWORD:-}" ]]; then # as ./medhook does with MEDHOOK_DB_PASSWORD: the same for audit-service's roles
    printf '%s\n' "QUARKUS_DATASOURCE_PASSWORD=$PGPASSWORD" "QUARKUS_DATASOURCE_WRITER_PASSWORD=$PGPASSWORD" \
      "QUARKUS_DATASOURCE_RETENTION_PASSWORD=$PGPASSWORD"
  fi
}

T0=$SECONDS
say "starting auth-service on 127.0.0.1:$AUTH_PORT (database $AUTH_DB)"
mapfile -t ENV_AUTH < <(service_env "$AUTH_DB" "$AUTH_PORT" "$AUTH_MGMT_PORT")
env "${ENV_AUTH[@]}" "$JAVA" -Xms64m -Xmx512m -jar "$AUTH_JAR" >"$RESULTS/auth-service.log" 2>&1 &
AUTH_PID=$!
say "starting audit-service on 127.0.0.1:$AUDIT_PORT (database $AUDIT_DB)"
mapfile -t ENV_AUDIT < <(service_env "$AUDIT_DB" "$AUDIT_PORT" "$AUDIT_MGMT_PORT")
# shellcheck disable=SC2086 # BENCH_AUDIT_JAVA_OPTS is a list of options
env "${ENV_AUDIT[@]}" "$JAVA" -Xms64m -Xmx512m ${BENCH_AUDIT_JAVA_OPTS:-} -jar "$AUDIT_JAR" \
  >"$RESULTS/audit-service.log" 2>&1 &
AUDIT_PID=$!
wait_http "http://127.0.0.1:$AUTH_MGMT_PORT/q/health/ready" "$AUTH_PID" auth-service "$RESULTS/auth-service.log"
wait_http "http://127.0.0.1:$AUDIT_MGMT_PORT/q/health/ready" "$AUDIT_PID" audit-service "$RESULTS/audit-service.log"
say "  both ready after $((SECONDS - T0)) s (auth-service pid $AUTH_PID, audit-service pid $AUDIT_PID)"
sleep 5 # let start-up work settle before any window

COMMAND="bench/audit-bench/run.sh (BENCH_PRODUCERS=$PRODUCERS BENCH_BATCH=$BATCH BENCH_WARMUP=$WARMUP"
COMMAND+=" BENCH_DURATION=$DURATION BENCH_RATE=$RATE BENCH_RATE_PRODUCERS=$RATE_PRODUCERS BENCH_RATE_BATCH=$RATE_BATCH"
COMMAND+=" BENCH_RATE_WARMUP=$RATE_WARMUP BENCH_RATE_DURATION=$RATE_DURATION)"
{
  echo "date: $(date -Is)"
  echo "machine: $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "uptime before the measurements: $(uptime)"
  echo "JDK: $("$JAVA" -version 2>&1 | head -1); PostgreSQL: $(psql -XAtq -d postgres -c 'show server_version') at $PGHOST:$PGPORT"
  echo "MedHook $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?') + working tree"
  echo "command: $COMMAND"
} >"$RESULTS/machine.txt"

checkpoint() { psql -q -d "$AUDIT_DB" -c checkpoint >/dev/null 2>&1 || true; }
ingest() { # LABEL OUT PRODUCERS BATCH WARMUP DURATION RATE
  "$JAVA" -Xms256m -Xmx512m -cp "$CP" io.medhook.bench.audit.IngestLoad --label="$1" \
    --url="http://127.0.0.1:$AUDIT_PORT/api/v1/audit/events/batch" \
    --token-url="http://127.0.0.1:$AUTH_PORT/oauth2/token" --client-id=workflow-service \
    --secret-file="$STATE/secrets/service-clients/workflow-service" --pid="$AUDIT_PID" \
    --producers="$3" --batch="$4" --warmup="$5" --duration="$6" --rate="$7" --clk-tck="$(getconf CLK_TCK)" \
    --out="$RESULTS/$2"
}

checkpoint
say "ingest, closed loop: $PRODUCERS producers × $BATCH events, $WARMUP s warm-up + $DURATION s measured"
ingest "closed loop" ingest.json "$PRODUCERS" "$BATCH" "$WARMUP" "$DURATION" 0
if [[ "$RATE" != 0 ]]; then
  checkpoint
  say "ingest paced at $RATE events/s: $RATE_PRODUCERS producers × $RATE_BATCH events, $RATE_WARMUP s warm-up + $RATE_DURATION s measured"
  ingest "paced" ingest-paced.json "$RATE_PRODUCERS" "$RATE_BATCH" "$RATE_WARMUP" "$RATE_DURATION" "$RATE"
fi

say "PostgreSQL COPY FROM STDIN / TO STDOUT of as many rows as the chain holds ..."
"$JAVA" -Xms256m -Xmx512m -cp "$CP" io.medhook.bench.audit.CopyBench \
  --jdbc-url="jdbc:postgresql://$PGHOST:$PGPORT/$AUDIT_DB" --user="$PGUSER" --clk-tck="$(getconf CLK_TCK)" \
  --out="$RESULTS/copy.json"

checkpoint
say "NDJSON export of the whole chain ..."
"$JAVA" -Xms256m -Xmx512m -cp "$CP" io.medhook.bench.audit.ExportLoad \
  --url="http://127.0.0.1:$AUDIT_PORT/api/v1/audit/export?format=ndjson" \
  --login-url="http://127.0.0.1:$AUTH_PORT/api/v1/auth/login" --admin-password-file="$STATE/admin-password" \
  --pid="$AUDIT_PID" --clk-tck="$(getconf CLK_TCK)" --out="$RESULTS/export.json"

echo "uptime after the measurements: $(uptime)" >>"$RESULTS/machine.txt"
"$JAVA" -cp "$CP" io.medhook.bench.audit.Report --dir="$RESULTS"
say "results in $RESULTS"

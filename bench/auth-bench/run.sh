#!/usr/bin/env bash
# Benchmark (not a test): OAuth 2.0 client-credentials grants per second of MedHook's auth-service beside Keycloak's,
# in one run on this machine with the same load generator and concurrency, and what verifying a token costs a
# protected service (JMH over the real JwtVerifier with a cached JWKS).
#
#   bench/auth-bench/run.sh              build what is needed, run everything, print the table
#   bench/auth-bench/run.sh --no-build   use the jars already built
#
# It starts its own processes on its own ports and its own fresh database, so it does not clash with ./medhook up:
#   auth-service   the packaged jar (auth-service/target/quarkus-app), -Xms64m -Xmx512m like ./medhook,
#                  database medhookbench_<time>_auth on the local PostgreSQL (dropped at the end)
#   Keycloak       keycloak-quarkus-dist (version of the root pom), kc.sh start-dev --http-host=127.0.0.1 --db=dev-mem,
#                  realm bench/auth-bench/keycloak/medhook-bench-realm.json (confidential client bench-service, generated secret)
# Results: bench/auth-bench/target/results/<time>/ (medhook-<round>.json, keycloak-<round>.json, verify-cost.json,
# jmh.json, results.md, logs);
# target/results/latest points at the last run.
#
# Environment (defaults):
#   BENCH_CONCURRENCY=16 BENCH_WARMUP=30 BENCH_DURATION=30   workers, warm-up and measured seconds per server
#   BENCH_ROUNDS=2                                           rounds; each measures MedHook, then Keycloak
#   BENCH_AUTH_PORT=18181 BENCH_KC_PORT=18180                 ports (management port of Keycloak: BENCH_KC_PORT+1)
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres PGPASSWORD   the PostgreSQL for auth-service (psql must be installed)
#   BENCH_SKIP_KEYCLOAK=1 BENCH_SKIP_VERIFY=1 BENCH_SKIP_JMH=1 leave out Keycloak / both verification measurements /
#   BENCH_KEEP_DB=1                                           JMH only; keep the database
#   BENCH_AUTH_JAVA_OPTS   extra JVM options for auth-service, e.g. to profile it with JDK Flight Recorder:
#                          "-XX:StartFlightRecording=filename=/tmp/auth.jfr,settings=profile"
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
CONCURRENCY=${BENCH_CONCURRENCY:-16}
WARMUP=${BENCH_WARMUP:-30}
DURATION=${BENCH_DURATION:-30}
ROUNDS=${BENCH_ROUNDS:-2}
AUTH_PORT=${BENCH_AUTH_PORT:-18181}
KC_PORT=${BENCH_KC_PORT:-18180}
# auth-service's health is on its management interface (quarkus.management.enabled): API port + 1000
AUTH_MGMT_PORT=$((AUTH_PORT + 1000))
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
STAMP=$(date +%Y%m%d-%H%M%S)
DB=medhookbench_$(date +%s)_auth
TARGET=$HERE/target
STATE=$TARGET/state-$STAMP
RESULTS=$TARGET/results/$STAMP
KC_VERSION=$(sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' "$ROOT/pom.xml")
KC_HOME=$TARGET/keycloak/keycloak-$KC_VERSION
AUTH_JAR=$ROOT/auth-service/target/quarkus-app/quarkus-run.jar

say() { printf '[bench] %s\n' "$*"; }
die() { printf '[bench] %s\n' "$*" >&2; exit 1; }

[[ -x "$JAVA" ]] || die "no JDK at $JAVA_HOME (JDK 21+, Temurin 25 on these machines); set JAVA_HOME"
command -v psql >/dev/null || die "psql is needed to create the benchmark's database"

if [[ "${1:-}" != "--no-build" ]]; then
  say "building common + auth-service (skip tests) and the benchmark module ..."
  (cd "$ROOT" && ./mvnw -B -q -pl common,auth-service -am install -DskipTests) || die "build failed"
  (cd "$ROOT" && ./mvnw -B -q -f bench/auth-bench/pom.xml -Pbench package) || die "benchmark build failed"
fi
[[ -f "$AUTH_JAR" ]] || die "no $AUTH_JAR: run without --no-build"
[[ -f "$TARGET/classpath.txt" ]] || die "benchmark module not built with -Pbench: run without --no-build"
[[ -n "${BENCH_SKIP_KEYCLOAK:-}" || -x "$KC_HOME/bin/kc.sh" ]] || die "no Keycloak at $KC_HOME: run without --no-build"
CP="$TARGET/classes:$(cat "$TARGET/classpath.txt")"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$AUTH_PORT" "$AUTH_MGMT_PORT" "$KC_PORT" "$((KC_PORT + 1))"; do
  port_free "$p" || die "port $p is taken; set BENCH_AUTH_PORT / BENCH_KC_PORT"
done

mkdir -p "$RESULTS" "$STATE/secrets/service-clients"
chmod 700 "$STATE" "$STATE/secrets"
ln -sfn "$STAMP" "$TARGET/results/latest"
random_secret() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
(umask 077
 random_secret >"$STATE/secrets/service-clients/workflow-service"
 random_secret >"$STATE/admin-password"
 random_secret >"$STATE/keycloak-client-secret")

AUTH_PID="" KC_SCRIPT_PID=""
cleanup() {
  set +e
  [[ -n "$KC_SCRIPT_PID" ]] && stop_keycloak
  if [[ -n "$AUTH_PID" ]] && kill -0 "$AUTH_PID" 2>/dev/null; then
    kill "$AUTH_PID"; wait "$AUTH_PID" 2>/dev/null
  fi
  if [[ -z "${BENCH_KEEP_DB:-}" ]]; then
    psql -q -d postgres -c "drop database if exists $DB" >/dev/null 2>&1
  fi
  rm -rf "$STATE"
}
trap cleanup EXIT

# the java process of kc.sh (kc.sh runs it as a child, or execs it after a re-augmentation)
keycloak_java_pid() {
  if [[ "$(cat "/proc/$KC_SCRIPT_PID/comm" 2>/dev/null)" == java ]]; then echo "$KC_SCRIPT_PID"; return; fi
  ps -o pid=,comm= --ppid "$KC_SCRIPT_PID" | awk '$2 == "java" { print $1; exit }'
}
stop_keycloak() {
  local jp
  jp=$(keycloak_java_pid || true)
  kill "$KC_SCRIPT_PID" 2>/dev/null || true
  if [[ -n "$jp" ]]; then kill "$jp" 2>/dev/null || true; fi
  wait "$KC_SCRIPT_PID" 2>/dev/null || true
  KC_SCRIPT_PID=""
}

wait_http() { # URL PID NAME LOG
  local deadline=$((SECONDS + 240))
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "$1" || true) == 200 ]]; do
    kill -0 "$2" 2>/dev/null || die "$3 exited during start; see $4"
    ((SECONDS < deadline)) || die "$3 not ready after 240 s; see $4"
    sleep 0.5
  done
}

say "machine: $(nproc) CPUs, $(uptime)"
psql -q -v ON_ERROR_STOP=1 -d postgres -c "create database $DB" >/dev/null || die "cannot create database $DB on $PGHOST:$PGPORT"

say "starting auth-service on 127.0.0.1:$AUTH_PORT (database $DB)"
T0=$SECONDS
env QUARKUS_PROFILE=local \
  QUARKUS_HTTP_PORT="$AUTH_PORT" QUARKUS_HTTP_HOST=127.0.0.1 \
  QUARKUS_MANAGEMENT_PORT="$AUTH_MGMT_PORT" QUARKUS_MANAGEMENT_HOST=127.0.0.1 \
  MEDHOOK_SECRETS_LOCAL_DIR="$STATE/secrets" \
  MEDHOOK_SECURITY_AUTH_URL="http://127.0.0.1:$AUTH_PORT" \
  MEDHOOK_AUDIT_CLIENT_URL="http://127.0.0.1:1" \
  MEDHOOK_AUTH_USAGE_WORKFLOW_URL="http://127.0.0.1:1" \
  MEDHOOK_ADMIN_PASSWORD="$(cat "$STATE/admin-password")" \
  MEDHOOK_AUTH_BOOTSTRAP_PASSWORD_FILE="$STATE/admin-password.generated" \
  QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://$PGHOST:$PGPORT/$DB" \
  QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://$PGHOST:$PGPORT/$DB" \
  QUARKUS_DATASOURCE_USERNAME="$PGUSER" \
  ${PGPASSWORD:+QUARKUS_DATASOURCE_PASSWORD="$PGPASSWORD"} \
  "$JAVA" -Xms64m -Xmx512m ${BENCH_AUTH_JAVA_OPTS:-} -jar "$AUTH_JAR" >"$RESULTS/auth-service.log" 2>&1 &
AUTH_PID=$!

if [[ -z "${BENCH_SKIP_KEYCLOAK:-}" ]]; then
  say "starting Keycloak $KC_VERSION (start-dev) on 127.0.0.1:$KC_PORT"
  mkdir -p "$KC_HOME/data/import"
  rm -f "$KC_HOME"/data/import/*
  sed "s/@CLIENT_SECRET@/$(cat "$STATE/keycloak-client-secret")/" "$HERE/keycloak/medhook-bench-realm.json" \
    >"$KC_HOME/data/import/medhook-bench-realm.json"
  (cd "$KC_HOME" && env -u KC_BOOTSTRAP_ADMIN_USERNAME -u KC_BOOTSTRAP_ADMIN_PASSWORD \
    bin/kc.sh start-dev --http-host=127.0.0.1 --http-port="$KC_PORT" --http-management-port="$((KC_PORT + 1))" \
    --db=dev-mem --import-realm) >"$RESULTS/keycloak.log" 2>&1 &
  KC_SCRIPT_PID=$!
fi

wait_http "http://127.0.0.1:$AUTH_MGMT_PORT/q/health/ready" "$AUTH_PID" auth-service "$RESULTS/auth-service.log"
say "  auth-service ready after $((SECONDS - T0)) s (pid $AUTH_PID)"
if [[ -n "$KC_SCRIPT_PID" ]]; then
  wait_http "http://127.0.0.1:$KC_PORT/realms/medhook-bench/.well-known/openid-configuration" "$KC_SCRIPT_PID" \
    Keycloak "$RESULTS/keycloak.log"
  KC_PID=$(keycloak_java_pid)
  say "  Keycloak ready after $((SECONDS - T0)) s (java pid $KC_PID)"
fi
sleep 5 # let start-up work (JIT of the start, realm import, bootstrap) settle before any window

{
  echo "date: $(date -Is)"
  echo "machine: $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "uptime before the measurements: $(uptime)"
  echo "JDK: $("$JAVA" -version 2>&1 | head -1); MedHook $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?') + working tree"
  echo "command: bench/auth-bench/run.sh (BENCH_CONCURRENCY=$CONCURRENCY BENCH_WARMUP=$WARMUP BENCH_DURATION=$DURATION BENCH_ROUNDS=$ROUNDS)"
} >"$RESULTS/machine.txt"

load() { # LABEL URL CLIENT SECRET_FILE FORM PID OUT
  "$JAVA" -Xms64m -Xmx256m -cp "$CP" io.medhook.bench.auth.GrantLoad --label="$1" --url="$2" --client-id="$3" \
    --secret-file="$4" --form="$5" --pid="$6" --concurrency="$CONCURRENCY" --warmup="$WARMUP" \
    --duration="$DURATION" --clk-tck="$(getconf CLK_TCK)" --out="$7"
}

# rounds alternate the two servers, so a change in the machine's other load does not favour one of them
for round in $(seq 1 "$ROUNDS"); do
  say "round $round/$ROUNDS, MedHook: $WARMUP s warm-up + $DURATION s measured, $CONCURRENCY workers"
  load "MedHook auth-service" "http://127.0.0.1:$AUTH_PORT/oauth2/token" workflow-service \
    "$STATE/secrets/service-clients/workflow-service" "audience=medhook-sandbox" "$AUTH_PID" "$RESULTS/medhook-$round.json"
  if [[ -n "$KC_SCRIPT_PID" ]]; then
    say "round $round/$ROUNDS, Keycloak: $WARMUP s warm-up + $DURATION s measured, $CONCURRENCY workers"
    load "Keycloak $KC_VERSION" "http://127.0.0.1:$KC_PORT/realms/medhook-bench/protocol/openid-connect/token" \
      bench-service "$STATE/keycloak-client-secret" "" "$KC_PID" "$RESULTS/keycloak-$round.json"
  fi
done
if [[ -n "$KC_SCRIPT_PID" ]]; then stop_keycloak; fi

if [[ -z "${BENCH_SKIP_VERIFY:-}" ]]; then
  say "token verification in thread CPU time (interleaved loop, about 1 minute) ..."
  "$JAVA" -Xms256m -Xmx256m -cp "$CP" io.medhook.bench.auth.VerifyCost --auth-url="http://127.0.0.1:$AUTH_PORT" \
    --secret-file="$STATE/secrets/service-clients/workflow-service" --admin-password-file="$STATE/admin-password" \
    --out="$RESULTS/verify-cost.json" >"$RESULTS/verify-cost.log" 2>&1 || die "VerifyCost failed; see $RESULTS/verify-cost.log"
fi
if [[ -z "${BENCH_SKIP_VERIFY:-}" && -z "${BENCH_SKIP_JMH:-}" ]]; then
  say "token verification (JMH, about 3 minutes) ..."
  "$JAVA" -cp "$CP" org.openjdk.jmh.Main io.medhook.bench.auth.TokenVerificationBenchmark \
    -p authUrl="http://127.0.0.1:$AUTH_PORT" \
    -p secretFile="$STATE/secrets/service-clients/workflow-service" \
    -p adminPasswordFile="$STATE/admin-password" \
    -rf json -rff "$RESULTS/jmh.json" >"$RESULTS/jmh.log" 2>&1 || die "JMH failed; see $RESULTS/jmh.log"
  sed -n '/^Benchmark /,$p' "$RESULTS/jmh.log" | grep -v '·p0\.\(00\|999\|9999\)\|·p1\.00' >"$RESULTS/jmh-summary.txt" || true
fi

echo "uptime after the measurements: $(uptime)" >>"$RESULTS/machine.txt"
"$JAVA" -cp "$CP" io.medhook.bench.auth.Report --dir="$RESULTS" --keycloak-version="$KC_VERSION"
say "results in $RESULTS"

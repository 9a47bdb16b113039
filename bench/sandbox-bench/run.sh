#!/usr/bin/env bash
# Sandbox benchmark: MedHook's ScriptRunner (GraalJS interpreter and optimizing runtime) beside Node.js node:vm, one
# after the other in one run on this machine, for (a) a tiny expression, (b) a 100-record JSON reshape, (c) a 5e6-step
# CPU loop. Per side and workload: time-based warm-up, then a time-based measurement (at least MIN_SAMPLES runs),
# one execution at a time. Prints a table and writes target/report.md plus the raw samples (target/*.json).
#
#   bench/sandbox-bench/run.sh
#
# Environment: WARMUP_S (10) and MEASURE_S (15) seconds per workload and side, MIN_SAMPLES (20),
# MODES ("interpreter optimized"), NODE (/usr/bin/node), NODE_INPUT=share (pass the host-parsed input object into the
# context instead of parsing it inside), SKIP_BUILD=1, JAVA_HOME (Temurin 25), SKIP_NODE=1 (reuse target/node-vm.json).
# To compare changes to sandbox-service without touching the tree: compile the changed classes elsewhere and set
# VARIANTS="name=dir/classes …"; each runs after the service as built, labelled "MedHook <mode> [name]".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGET=$HERE/target
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
NODE=${NODE:-/usr/bin/node}
WARMUP_S=${WARMUP_S:-10}
MEASURE_S=${MEASURE_S:-15}
MIN_SAMPLES=${MIN_SAMPLES:-20}
MODES=${MODES:-interpreter optimized}

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "building sandbox-service and the bench (-Pbench) ..."
  (cd "$ROOT" && ./mvnw -B -q -Pbench -pl bench/sandbox-bench -am package -Dmaven.test.skip=true)
fi
[[ -f "$TARGET/classpath.txt" ]] || { echo "no $TARGET/classpath.txt: build first" >&2; exit 1; }
COMPILER_DIR=$ROOT/sandbox-service/target/graal-compiler
CP="$TARGET/classes:$(cat "$TARGET/classpath.txt")"
RUNS=("")
for v in ${VARIANTS:-}; do RUNS+=("$v"); done

mkdir -p "$TARGET"
"$NODE" "$HERE/workloads.js" >"$TARGET/workloads.json"
LOAD_BEFORE=$(uptime)
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
LOADS=()

if [[ "${SKIP_NODE:-0}" != 1 || ! -f "$TARGET/node-vm.json" ]]; then
  echo "node:vm ($("$NODE" --version)) ..."
  LOADS+=("node:vm: $(loadavg)")
  "$NODE" "$HERE/node-vm-bench.js" "$TARGET/node-vm.json" "$WARMUP_S" "$MEASURE_S" "$MIN_SAMPLES"
fi

# the same JVM flags as ./medhook gives sandbox-service (keep in sync with sandbox_runtime_flags there)
RESULTS=()
for mode in $MODES; do
 for run in "${RUNS[@]}"; do
  variant=${run%%=*}
  cp=$CP
  [[ -n "$run" ]] && cp="${run#*=}:$CP"
  flags=(-Xms64m -Xmx512m --enable-native-access=ALL-UNNAMED)
  if [[ $mode == optimized ]]; then
    [[ -d "$COMPILER_DIR" ]] || { echo "no $COMPILER_DIR: build sandbox-service" >&2; exit 1; }
    flags+=(-XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI "--upgrade-module-path=$COMPILER_DIR")
  fi
  echo "MedHook $mode${variant:+ [$variant]} ..."
  LOADS+=("MedHook $mode${variant:+ [$variant]}: $(loadavg)")
  result=$TARGET/medhook-$mode${variant:+-$variant}.json
  rm -f "$result"
  "$JAVA" "${flags[@]}" -Dbench.variant="$variant" -cp "$cp" io.medhook.bench.sandbox.SandboxBench \
    "$TARGET/workloads.json" "$result" "$WARMUP_S" "$MEASURE_S" "$MIN_SAMPLES" "$mode" 2>"${result%.json}.log" \
    || { echo "MedHook $mode failed; last lines of ${result%.json}.log:" >&2; tail -n 20 "${result%.json}.log" >&2; exit 1; }
  grep -E '^  MedHook' "${result%.json}.log" || true
  RESULTS+=("$result")
 done
done
LOAD_AFTER=$(uptime)

{
  echo "# Sandbox benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Command: \`WARMUP_S=$WARMUP_S MEASURE_S=$MEASURE_S MIN_SAMPLES=$MIN_SAMPLES MODES=\"$MODES\" NODE_INPUT=${NODE_INPUT:-parse}${VARIANTS:+ VARIANTS=\"$VARIANTS\"} bench/sandbox-bench/run.sh\`"
  echo "Machine: $(nproc) CPUs, shared; load average before:$(echo "$LOAD_BEFORE" | sed 's/.*load average://'), after:$(echo "$LOAD_AFTER" | sed 's/.*load average://')"
  echo "Load average (1, 5, 15 min) as each side started: $(IFS=';'; echo "${LOADS[*]}" | sed 's/;/; /g')"
  echo
} >"$TARGET/report.head.md"
"$NODE" "$HERE/report.js" "$TARGET/report.body.md" "$TARGET/node-vm.json" "${RESULTS[@]}" >/dev/null
cat "$TARGET/report.head.md" "$TARGET/report.body.md" >"$TARGET/report.md"
rm -f "$TARGET/report.head.md" "$TARGET/report.body.md"
echo
cat "$TARGET/report.md"

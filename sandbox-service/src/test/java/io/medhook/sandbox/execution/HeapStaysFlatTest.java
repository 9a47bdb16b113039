package io.medhook.sandbox.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * 10,000 mixed executions (successes, script errors, forbidden globals, refused outputs, timeouts, memory bombs, a new
 * source every tenth run) leave the heap where it was. Driven through {@link ScriptRunner#run} on as many threads as
 * the service has slots in production on this machine, not over HTTP: the test profile has two slots, and 10,000 HTTP
 * round trips would add minutes without exercising anything the corpus does not.
 */
@QuarkusTest
class HeapStaysFlatTest {

    static final int RUNS = 10_000;
    static final int WARM_UP = 500;
    static final long ALLOWED_GROWTH = 24L << 20;

    static final String RECORDS;

    static {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < 100; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"id\":\"p-").append(i).append("\",\"name\":{\"given\":\"Ana\","
                    + "\"family\":\"Lee\"},\"birthDate\":\"1980-01-").append(10 + i % 20).append("\",\"codes\":[")
                    .append(i).append(",").append(i * 2).append("]}");
        }
        RECORDS = sb.append("]").toString();
    }

    /** Script, input, timeout in ms, memory budget in MiB, expected outcome. */
    record Mix(String source, String input, int timeoutMs, int memoryMiB, String outcome) {
    }

    static final List<Mix> MIX = List.of(
            new Mix("return 1 + 1;", "null", 2000, 128, "succeeded"),
            new Mix("return input.map(r => ({id: r.id, name: r.name.given + ' ' + r.name.family,"
                    + " year: Number(r.birthDate.slice(0, 4)), codes: r.codes.filter(c => c % 2 === 0)}));",
                    RECORDS, 2000, 128, "succeeded"),
            new Mix("console.log('row', input.length); return input.length;", RECORDS, 2000, 128, "succeeded"),
            new Mix("globalThis.leak = 1; Object.prototype.polluted = 1; return typeof Array.prototype.polluted;",
                    "null", 2000, 128, "succeeded"),
            new Mix("throw new TypeError('bad input');", "null", 2000, 128, "script_error"),
            new Mix("return a +;", "null", 2000, 128, "script_error"),
            new Mix("return () => 1;", "null", 2000, 128, "script_error"),
            new Mix("return Java.type('java.lang.System');", "null", 2000, 128, "forbidden"),
            new Mix("return new Date(0).toISOString() + Math.max(1, 2) + JSON.stringify({a: [1]});", "null", 2000,
                    128, "succeeded"),
            new Mix("return 'x'.repeat(2 ** 29);", "null", 2000, 128, "memory_limit"));

    @Inject
    ScriptRunner runner;

    @Test
    void tenThousandMixedExecutionsLeaveTheHeapFlat() throws Exception {
        run(0, WARM_UP);
        long before = usedHeapAfterGc();
        long start = System.nanoTime();
        Map<String, LongAdder> outcomes = run(WARM_UP, RUNS);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        long after = usedHeapAfterGc();
        System.out.printf("HeapStaysFlatTest: %d executions in %d s, outcomes %s, heap in use after GC %d MiB"
                + " before, %d MiB after%n", RUNS, seconds, outcomes, before >> 20, after >> 20);
        assertEquals(RUNS, outcomes.values().stream().mapToLong(LongAdder::sum).sum());
        assertTrue(after - before < ALLOWED_GROWTH, "heap grew from " + (before >> 20) + " MiB to "
                + (after >> 20) + " MiB over " + RUNS + " executions");
    }

    /** Runs {@code count} executions numbered from {@code first}; fails on any unexpected outcome. */
    private Map<String, LongAdder> run(int first, int count) throws Exception {
        Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        AtomicInteger next = new AtomicInteger(first);
        int end = first + count;
        int threads = 2 * Runtime.getRuntime().availableProcessors();
        ExecutorService pool = Executors.newFixedThreadPool(threads, new ExecutionSlots.Named("test-exec"));
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < end; i = next.getAndIncrement()) {
                        Mix m = mixFor(i);
                        RunScriptResult r = runner.run(m.source(), m.input(), Duration.ofMillis(m.timeoutMs()),
                                (long) m.memoryMiB() << 20);
                        String outcome = r.error() == null ? "succeeded" : r.error().type().wire();
                        if (!m.outcome().equals(outcome)) {
                            throw new AssertionError("run " + i + ": expected " + m.outcome() + ", got " + outcome
                                    + " " + r.error());
                        }
                        outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        return outcomes;
    }

    /** Mostly the mix in turn; every 10th run a source never seen before, every 100th a timeout or a memory bomb. */
    static Mix mixFor(int i) {
        if (i % 200 == 17) {
            return new Mix("while (true) {}", "null", 20, 128, "timeout");
        }
        if (i % 200 == 117) {
            return new Mix("const keep = []; for (;;) keep.push(new Float64Array(8192));", "null", 5000, 16,
                    "memory_limit");
        }
        if (i % 10 == 3) {
            return new Mix("return " + i + " + input;", "1", 2000, 128, "succeeded");
        }
        return MIX.get(i % MIX.size());
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}

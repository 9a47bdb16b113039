package io.medhook.sandbox.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.medhook.sandbox.SandboxConfig;
import io.medhook.sandbox.execution.RunScriptResult.ErrorType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.MemorySize;
import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Limits whose defaults the Quarkus tests cannot change without a second application start: the runner is assembled
 * by hand with other settings.
 */
class ConfiguredLimitsTest {

    /** For runs that are not about time: a cold engine on a busy machine can take seconds for its first script. */
    private static final Duration GENEROUS = Duration.ofSeconds(60);

    private SandboxEngine engine;
    private ExecutionSlots slots;
    private HeapWatch heap;
    private ScriptRunner runner;

    @AfterEach
    void close() {
        if (runner != null) {
            runner.shutdown();
            slots.shutdown();
            engine.close();
            heap.close();
        }
    }

    private ScriptRunner start(Limits limits) {
        SandboxConfig config = new Config(limits);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        engine = new SandboxEngine(config);
        slots = new ExecutionSlots(config, registry);
        heap = new HeapWatch();
        runner = new ScriptRunner(engine, slots, heap, config, new ObjectMapper(), registry);
        return runner;
    }

    @Test
    void stopsScriptsAtTheStatementLimit() {
        ScriptRunner r = start(Limits.defaults().statements(100_000));
        RunScriptResult endless = r.run("while (true) {}", "null", GENEROUS);
        assertEquals(ErrorType.TIMEOUT, endless.error().type());
        assertEquals("The script ran more than 100000 statements", endless.error().message());
        RunScriptResult small = r.run("let s = 0; for (let i = 0; i < 1000; i++) s += i; return s;", "null",
                GENEROUS);
        assertNull(small.error());
        assertEquals(499500, small.output().asInt());
    }

    @Test
    void appliesTheConfiguredStringAndBufferLimits() {
        ScriptRunner r = start(Limits.defaults().stringLength(1000).inputBytes(1000).arrayBufferBytes(4096));
        assertEquals(1000, r.run("return 'x'.repeat(1000).length;", "null", GENEROUS).output().asInt());
        RunScriptResult string = r.run("return 'x'.repeat(1001);", "null", GENEROUS);
        assertEquals(ErrorType.MEMORY_LIMIT, string.error().type());
        assertEquals("The script built a string longer than 1000 characters", string.error().message());
        RunScriptResult buffer = r.run("return new Uint8Array(4097).length;", "null", GENEROUS);
        assertEquals(ErrorType.MEMORY_LIMIT, buffer.error().type());
        assertEquals(4096, r.run("return new Uint8Array(4096).length;", "null", GENEROUS).output()
                .asInt());
    }

    @Test
    void appliesTheConfiguredArrayLength() {
        ScriptRunner r = start(Limits.defaults().arrayLength(1000));
        assertEquals(1000, r.run("return new Array(1000).fill(1).indexOf(2) + Array.from({length: 1000}).length + 1;",
                "null", GENEROUS).output().asInt());
        for (String over : new String[] {"return new Array(1001).fill(1);", "return Array.from({length: 1001});",
            "return Array.prototype.indexOf.call({length: 2 ** 53 - 1}, 1);", "return new Array(2000).toReversed();"}) {
            RunScriptResult result = r.run(over, "null", GENEROUS);
            assertEquals(ErrorType.MEMORY_LIMIT, result.error().type(), over);
            assertEquals("The script used an array operation on more than 1000 elements", result.error().message());
        }
        // the iterator protocol runs in the script and stays cancellable, so it is not limited
        assertEquals(2000, r.run("return Array.from(new Set(Array.from({length: 1000}, (_, i) => i)).keys(),"
                + " x => x * 2).length + 1000;", "null", GENEROUS).output().asInt());
    }

    /**
     * A run that outlives its cancellation is reported as stuck (and fails liveness) until it ends. Stands in for the
     * patterns GraalJS cannot cancel at all: {@code indexOf} on an array-like loops without a safepoint, so with the
     * array-length guard lifted it runs for seconds after the timeout.
     */
    @Test
    void reportsRunsThatOutliveTheirCancellationAsStuck() throws Exception {
        ScriptRunner r = start(Limits.defaults().arrayLength(Integer.MAX_VALUE).stuckAfter(Duration.ofMillis(200)));
        r.run("return 1;", "null", GENEROUS); // warm: the timeout below must hit the call, not the setup
        // the call allocates garbage as it goes: a budget it cannot reach, so the timeout is what stops it
        var result = java.util.concurrent.CompletableFuture.supplyAsync(() -> r.run(
                "return Array.prototype.indexOf.call({length: 2 ** 25}, 1);", "null", Duration.ofMillis(1000),
                1L << 40));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (r.stuck() == 0 && !result.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(1, r.stuck(), () -> "the run should be stuck while its uncancellable call runs, but it ended: "
                + result.join());
        RunScriptResult ended = result.get(120, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(ErrorType.TIMEOUT, ended.error().type());
        assertTrue(ended.durationMs() > 1500, ended.durationMs() + " ms");
        assertEquals(0, r.stuck());
    }

    @Test
    void guardsEveryArrayMethodThatWalksTheLength() {
        ScriptRunner r = start(Limits.defaults());
        RunScriptResult names = r.run("return Object.getOwnPropertyNames(Array.prototype)"
                + ".filter(n => typeof Array.prototype[n] === 'function');", "null", GENEROUS);
        java.util.Set<String> found = new java.util.TreeSet<>();
        names.output().forEach(n -> found.add(n.asText()));
        java.util.Set<String> known = new java.util.TreeSet<>(ScriptRunner.GUARDED_ARRAY_METHODS);
        known.addAll(ScriptRunner.UNGUARDED_ARRAY_METHODS);
        assertEquals(known, found, "a GraalJS update added or removed Array.prototype methods: classify them");
        // every guarded method refuses an endless array-like before looping
        for (String m : ScriptRunner.GUARDED_ARRAY_METHODS) {
            RunScriptResult result = r.run("return Array.prototype." + m + ".call({length: 2 ** 53 - 1}, x => x);",
                    "null", GENEROUS);
            assertEquals(ErrorType.MEMORY_LIMIT, result.error() == null ? null : result.error().type(), m);
        }
    }

    @Test
    void refusesInputsOverTheInputLimitWith413() {
        ScriptRunner r = start(Limits.defaults().inputBytes(100));
        MedhookException e = assertThrows(MedhookException.class,
                () -> r.submit(new RunScriptRequest("return 1;", new TextNode("x".repeat(200)), null)));
        assertEquals(ErrorKind.PAYLOAD_TOO_LARGE, e.kind());
        assertEquals("'input' is larger than 100 bytes", e.getMessage());
    }

    @Test
    void refusesAStringLimitBelowTheInputLimitAtStart() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new SandboxEngine(new Config(Limits.defaults().stringLength(1000))));
        assertTrue(e.getMessage().contains("string-length"), e.getMessage());
    }

    /** The service defaults (see {@link SandboxConfig}), changeable one by one. */
    record Limits(long statements, int stringLength, int inputBytes, int arrayBufferBytes, int arrayLength,
            Duration stuckAfter) implements SandboxConfig.Limits {

        static Limits defaults() {
            return new Limits(0, 2_097_152, 1_048_576, 16_777_216, 4_194_304, Duration.ofSeconds(10));
        }

        Limits statements(long n) {
            return new Limits(n, stringLength, inputBytes, arrayBufferBytes, arrayLength, stuckAfter);
        }

        Limits stringLength(int n) {
            return new Limits(statements, n, inputBytes, arrayBufferBytes, arrayLength, stuckAfter);
        }

        Limits inputBytes(int n) {
            return new Limits(statements, stringLength, n, arrayBufferBytes, arrayLength, stuckAfter);
        }

        Limits arrayBufferBytes(int n) {
            return new Limits(statements, stringLength, inputBytes, n, arrayLength, stuckAfter);
        }

        Limits arrayLength(int n) {
            return new Limits(statements, stringLength, inputBytes, arrayBufferBytes, n, stuckAfter);
        }

        Limits stuckAfter(Duration d) {
            return new Limits(statements, stringLength, inputBytes, arrayBufferBytes, arrayLength, d);
        }

        @Override
        public Duration timeout() {
            return GENEROUS;
        }

        @Override
        public MemorySize memory() {
            return new MemorySize(BigInteger.valueOf(128L << 20));
        }

        @Override
        public Duration memoryCheckInterval() {
            return Duration.ofMillis(10);
        }

        @Override
        public Duration forcedGcInterval() {
            return Duration.ofSeconds(1);
        }

        @Override
        public double heapPressure() {
            return 0.8;
        }

        @Override
        public int requestBytes() {
            return 1_048_576;
        }

        @Override
        public int sourceBytes() {
            return 262_144;
        }

        @Override
        public int outputBytes() {
            return 1_048_576;
        }

        @Override
        public int outputDepth() {
            return 64;
        }

        @Override
        public int logBytes() {
            return 65_536;
        }
    }

    record Config(Limits limits) implements SandboxConfig {

        @Override
        public Concurrency concurrency() {
            return new Concurrency() {
                @Override
                public int executions() {
                    return 1;
                }

                @Override
                public int queue() {
                    return 0;
                }
            };
        }
    }
}

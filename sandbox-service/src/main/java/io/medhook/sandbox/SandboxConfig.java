package io.medhook.sandbox;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Limits and capacity of sandbox-service. Every key has a safe default; operators may only tighten most of them. */
@ConfigMapping(prefix = "medhook.sandbox")
public interface SandboxConfig {

    /** Per-execution limits. */
    Limits limits();

    /** How many executions run and wait at once. */
    Concurrency concurrency();

    interface Limits {

        /** Wall-clock limit of one execution; a request's {@code timeoutMs} may lower it, never raise it. */
        @WithDefault("5s")
        Duration timeout();

        /**
         * Most JavaScript statements one execution may run, a CPU bound that does not depend on how busy the machine
         * is; over it the script fails with {@code timeout}. 0 switches the count off (the default: counting made
         * tight loops roughly 1.3-1.9 times slower in the interpreter, and the wall-clock limit bounds CPU time
         * anyway).
         */
        @WithDefault("0")
        long statements();

        /**
         * Memory one execution may hold, estimated from what its thread allocates and what survives garbage
         * collections (see the README, "How memory is limited"); over it the script fails with {@code memory_limit}.
         * A request's {@code memoryBytes} may lower it, never raise it.
         */
        @WithDefault("128M")
        MemorySize memory();

        /** How often the watchdog samples the memory of a running execution. */
        @WithDefault("10ms")
        Duration memoryCheckInterval();

        /**
         * Least time between two garbage collections that the watchdog requests ({@code System.gc()}) when an
         * execution has allocated more than its budget since the last collection, to learn whether it holds the memory
         * or only made garbage. 0 never requests one; executions over their budget are then judged at the JVM's own
         * next collection.
         */
        @WithDefault("1s")
        Duration forcedGcInterval();

        /**
         * Fraction of the maximum JVM heap that may be in use after a garbage collection while scripts run. Above it
         * the execution holding the most memory is stopped with {@code memory_limit}, whatever its own budget, so that
         * concurrent executions together cannot exhaust the heap.
         */
        @WithDefault("0.8")
        double heapPressure();

        /**
         * How long an execution that a limit stopped may take to leave the guest before it counts as stuck. GraalJS
         * cannot cancel every pattern (see the README, "Known limits"); a stuck execution is logged, counted and fails
         * the liveness check, so that Kubernetes replaces the replica.
         */
        @WithDefault("10s")
        Duration stuckAfter();

        /**
         * Longest string a script may create, in UTF-16 code units; longer ones throw a RangeError and fail the run
         * with {@code memory_limit}. It bounds what a single built-in call can allocate before the watchdog can stop
         * it; it must be at least {@link #inputBytes()} (the input enters the script as one JSON string).
         */
        @WithDefault("2097152")
        int stringLength();

        /**
         * Longest array or array-like that the {@code Array.prototype} methods and {@code Array.from} accept; longer
         * ones throw a RangeError and fail the run with {@code memory_limit}. Several of GraalJS's array built-ins
         * ({@code indexOf} or {@code sort} on an array-like, {@code toReversed}, {@code toSorted}, {@code Array.from}
         * of an array-like) loop or allocate over the whole length in one call that cannot be cancelled.
         */
        @WithDefault("4194304")
        int arrayLength();

        /** Largest ArrayBuffer or typed array a script may create, in bytes; larger fails with {@code memory_limit}. */
        @WithDefault("16777216")
        int arrayBufferBytes();

        /** Largest accepted request body (source, input and envelope), in bytes; larger requests get 413. */
        @WithDefault("1048576")
        int requestBytes();

        /** Largest script source, in UTF-8 bytes; larger sources get 400. */
        @WithDefault("262144")
        int sourceBytes();

        /** Largest input, in bytes of serialized JSON; larger inputs get 413. */
        @WithDefault("1048576")
        int inputBytes();

        /** Largest output, in bytes of serialized JSON; larger outputs fail with {@code output_limit}. */
        @WithDefault("1048576")
        int outputBytes();

        /** Deepest nesting of arrays and objects in the output; deeper outputs fail with {@code output_limit}. */
        @WithDefault("64")
        int outputDepth();

        /** Total UTF-8 bytes of captured console output per execution; the rest is dropped and flagged. */
        @WithDefault("65536")
        int logBytes();
    }

    interface Concurrency {

        /** Executions that run at the same time; 0 means two per available processor. */
        @WithDefault("0")
        int executions();

        /** Executions that may wait for a free slot; beyond that requests get 503 with {@code Retry-After}. */
        @WithDefault("64")
        int queue();
    }
}

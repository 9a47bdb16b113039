package io.medhook.sandbox;

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

        /** Largest accepted request body (source, input and envelope), in bytes; larger requests get 413. */
        @WithDefault("1048576")
        int requestBytes();

        /** Largest script source, in UTF-8 bytes; larger sources get 400. */
        @WithDefault("262144")
        int sourceBytes();

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

package io.medhook.sandbox.runtime;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * What to do when the JVM was launched for the optimizing runtime but GraalJS runs interpreted. Which runtime is
 * requested is not configured here: the JVM flags are the switch (see the README, "Runtime and performance").
 */
@ConfigMapping(prefix = "medhook.sandbox.runtime")
public interface SandboxRuntimeConfig {

    /**
     * {@code fail}: readiness stays DOWN with the reason, so a rollout onto a JDK the compiler does not match stops
     * while the old replicas keep serving. {@code serve}: run interpreted anyway; the log line and the
     * {@code medhook_sandbox_runtime} gauge say so.
     */
    @WithDefault("fail")
    OnFallback onFallback();

    enum OnFallback {
        FAIL,
        SERVE
    }
}

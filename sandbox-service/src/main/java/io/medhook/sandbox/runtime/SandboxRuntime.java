package io.medhook.sandbox.runtime;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * Finds out at start which GraalJS runtime this JVM really got, so that a JDK update that no longer matches the Graal
 * compiler jars cannot silently turn the optimizing runtime into the interpreter. When the JVM flags ask for the
 * optimizing runtime the check runs on its own thread (compiling the probe takes seconds; readiness waits for it),
 * otherwise at once. It ends in one log line, the gauge
 * {@code medhook_sandbox_runtime{mode="optimized|interpreter",requested="optimized|interpreter"} 1} and the
 * {@code graaljs-runtime} readiness check ({@link RuntimeReadiness}).
 */
@Startup
@Singleton
public class SandboxRuntime {

    private static final Logger LOG = Logger.getLogger(SandboxRuntime.class);

    private final SandboxRuntimeConfig config;
    private final MeterRegistry registry;
    private final CompletableFuture<RuntimeStatus> status = new CompletableFuture<>();

    public SandboxRuntime(SandboxRuntimeConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
        LaunchFlags flags = LaunchFlags.ofThisJvm();
        if (flags.requested() == RuntimeMode.OPTIMIZED) {
            Thread.ofPlatform().name("sandbox-runtime-probe").daemon(true).start(() -> detect(flags));
        } else {
            detect(flags);
        }
    }

    private void detect(LaunchFlags flags) {
        try {
            RuntimeStatus found = RuntimeStatus.assess(flags, RuntimeProbe.run());
            report(found);
            status.complete(found);
        } catch (RuntimeException | LinkageError | InternalError e) {
            LOG.errorf("GraalJS runtime check failed (%s); readiness stays DOWN", e.getClass().getName());
            status.completeExceptionally(e);
        }
    }

    private void report(RuntimeStatus s) {
        Gauge.builder("medhook.sandbox.runtime", () -> 1)
                .description("The GraalJS runtime executing scripts (mode) and the one the JVM flags ask for")
                .tag("mode", s.actual().wire())
                .tag("requested", s.requested().wire())
                .register(registry);
        if (s.asRequested()) {
            LOG.infof("GraalJS runtime: %s (requested %s): %s", s.actual().wire(), s.requested().wire(), s.reason());
        } else if (config.onFallback() == SandboxRuntimeConfig.OnFallback.SERVE) {
            LOG.warnf("GraalJS runtime: interpreter, but optimized was requested: %s. Serving interpreted, scripts run"
                    + " much slower (medhook.sandbox.runtime.on-fallback=serve)", s.reason());
        } else {
            LOG.errorf("GraalJS runtime: interpreter, but optimized was requested: %s. Readiness stays DOWN"
                    + " (medhook.sandbox.runtime.on-fallback=fail; set it to serve to run interpreted, or start"
                    + " without the JVMCI flags)", s.reason());
        }
    }

    /** The result, empty while the check still runs or when it failed. */
    public Optional<RuntimeStatus> status() {
        return status.isDone() && !status.isCompletedExceptionally() ? Optional.of(status.join()) : Optional.empty();
    }

    /** Whether the check has finished, successfully or not. */
    boolean checked() {
        return status.isDone();
    }

    /** Whether readiness must be DOWN for this result under the configured fallback policy. */
    boolean refuses(RuntimeStatus s) {
        return !s.asRequested() && config.onFallback() == SandboxRuntimeConfig.OnFallback.FAIL;
    }
}

package io.medhook.sandbox.runtime;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the runtime check has finished and found what the JVM flags asked for, or found the interpreter while
 * {@code medhook.sandbox.runtime.on-fallback=serve}. The data carries the modes and the reason either way.
 */
@Readiness
@ApplicationScoped
public class RuntimeReadiness implements HealthCheck {

    private final SandboxRuntime runtime;

    public RuntimeReadiness(SandboxRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("graaljs-runtime");
        Optional<RuntimeStatus> status = runtime.status();
        if (status.isEmpty()) {
            return response.withData("reason", runtime.checked() ? "the runtime check failed (see the log)"
                    : "checking which runtime this JVM got").down().build();
        }
        RuntimeStatus s = status.get();
        response.withData("mode", s.actual().wire())
                .withData("requested", s.requested().wire())
                .withData("implementation", s.implementation())
                .withData("reason", s.reason());
        return runtime.refuses(s) ? response.down().build() : response.up().build();
    }
}

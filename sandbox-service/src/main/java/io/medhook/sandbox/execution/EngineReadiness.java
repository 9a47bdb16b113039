package io.medhook.sandbox.execution;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready when the shared engine can still create a locked-down context and evaluate in it. */
@Readiness
@ApplicationScoped
public class EngineReadiness implements HealthCheck {

    private final SandboxEngine engine;

    public EngineReadiness(SandboxEngine engine) {
        this.engine = engine;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("graaljs").withData("engine", engine.implementation());
        return engine.selfTest() ? response.up().build() : response.down().build();
    }
}

package io.medhook.sandbox.execution;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Down while an execution that a limit stopped keeps running past {@code stuck-after}: GraalJS lost its cancellation,
 * the thread burns a CPU and holds a slot, and only a restart of the process ends it. Kubernetes then replaces the
 * replica; workflow-service retries the executions that were in flight on it.
 */
@Liveness
@ApplicationScoped
public class ExecutionLiveness implements HealthCheck {

    private final ScriptRunner runner;

    public ExecutionLiveness(ScriptRunner runner) {
        this.runner = runner;
    }

    @Override
    public HealthCheckResponse call() {
        int stuck = runner.stuck();
        return HealthCheckResponse.named("sandbox-executions").withData("stuck", stuck).status(stuck == 0).build();
    }
}

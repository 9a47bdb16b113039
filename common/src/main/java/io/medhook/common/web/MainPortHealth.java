package io.medhook.common.web;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.health.SmallRyeHealth;
import io.smallrye.health.SmallRyeHealthReporter;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Health on the API port too, for local runs. Health and metrics live on the management interface (its own port,
 * which Kubernetes probes and the Ingress never routes); a local suite started by {@code ./medhook up} is also checked
 * the way the walking-skeleton contract's clients do, at {@code /q/health/ready} on each service's API port. With
 * {@code medhook.health.main-port=true} (the {@code local} and {@code dev} profiles) the same reports, from the same
 * health checks, answer there: {@code /q/health}, {@code /live}, {@code /ready}, {@code /started}, 200 when UP and 503
 * when DOWN. Off by default, so production serves health on the management port only.
 */
@ApplicationScoped
@RegisterForReflection
public class MainPortHealth {

    private final SmallRyeHealthReporter reporter;
    private final boolean enabled;

    public MainPortHealth(SmallRyeHealthReporter reporter,
            @ConfigProperty(name = "medhook.health.main-port", defaultValue = "false") boolean enabled) {
        this.reporter = reporter;
        this.enabled = enabled;
    }

    void routes(@Observes Router router) {
        if (!enabled) {
            return;
        }
        route(router, "/q/health", reporter::getHealthAsync);
        route(router, "/q/health/live", reporter::getLivenessAsync);
        route(router, "/q/health/ready", reporter::getReadinessAsync);
        route(router, "/q/health/started", reporter::getStartupAsync);
    }

    private static void route(Router router, String path, Supplier<Uni<SmallRyeHealth>> report) {
        router.get(path).handler(ctx -> report.get().subscribe().with(h -> answer(ctx, h), f -> ctx.fail(503)));
    }

    private static void answer(RoutingContext ctx, SmallRyeHealth health) {
        ctx.response().setStatusCode(health.isDown() ? 503 : 200)
                .putHeader("Content-Type", "application/json; charset=UTF-8")
                .putHeader("Cache-Control", "no-store")
                .end(health.getPayload().toString());
    }
}

package io.medhook.common.web;

import io.medhook.common.problem.ErrorKind;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Quarkus refuses a request whose declared {@code Content-Length} exceeds {@code quarkus.http.limits.max-body-size}
 * with a bare 413 from a route of its own (order -2). This route runs just before it and gives the same refusal as
 * problem+json, so no client ever sees an error without a body. (A chunked body without Content-Length that grows past
 * the limit is still cut by Quarkus itself.)
 */
@ApplicationScoped
public class BodyLimit {

    void install(@Observes Router router,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K") MemorySize limit) {
        long max = limit.asLongValue();
        router.route().order(-3).handler(rc -> {
            String declared = rc.request().getHeader("Content-Length");
            if (declared != null && declared.length() <= 19 && declared.chars().allMatch(Character::isDigit)
                    && Long.parseLong(declared) > max) {
                JsonObject problem = new JsonObject()
                        .put("type", ErrorKind.PAYLOAD_TOO_LARGE.type())
                        .put("title", ErrorKind.PAYLOAD_TOO_LARGE.title())
                        .put("status", 413)
                        .put("detail", "The request body is larger than " + max + " bytes");
                rc.response().setStatusCode(413)
                        .putHeader("Content-Type", "application/problem+json")
                        .putHeader("Connection", "close")
                        .end(problem.encode());
                return;
            }
            rc.next();
        });
    }
}

package io.medhook.common.web;

import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Gives every request an id (the caller's {@code X-Request-Id} when it is well-formed, else a new one), puts it in the
 * logging context as {@code requestId} and echoes it in the response.
 */
public class RequestIds {

    public static final String HEADER = "X-Request-Id";
    private static final String PROPERTY = "medhook.requestId";
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._\\-]{8,64}");

    @ServerRequestFilter(preMatching = true)
    public void assign(ContainerRequestContext request, RoutingContext rc) {
        String given = request.getHeaderString(HEADER);
        String id = given != null && SAFE.matcher(given).matches() ? given : UUID.randomUUID().toString();
        request.setProperty(PROPERTY, id);
        if (rc != null) {
            rc.put(PROPERTY, id);
        }
        MDC.put("requestId", id);
    }

    @ServerResponseFilter
    public void echo(ContainerRequestContext request, ContainerResponseContext response) {
        Object id = request.getProperty(PROPERTY);
        if (id != null) {
            response.getHeaders().putSingle(HEADER, id);
        }
    }

    public static String of(RoutingContext rc) {
        Object id = rc.get(PROPERTY);
        return id == null ? null : id.toString();
    }

    public static String of(ContainerRequestContext request) {
        Object id = request.getProperty(PROPERTY);
        return id == null ? null : id.toString();
    }
}

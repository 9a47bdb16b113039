package io.medhook.workflow.trigger;

import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.ResponseStatus;

/**
 * Inbound webhooks. The unguessable token in the path is the credential (plus, when the trigger asks for it, a signature
 * over the raw body bytes read here); the answer is 202 with the execution id.
 */
@Path("/api/v1/webhooks")
@PermitAll
public class WebhookResource {

    /** The answer to an accepted webhook call. */
    public record Accepted(String executionId) {
    }

    private static final int MAX_HEADERS = 100;

    private final WebhookService service;

    public WebhookResource(WebhookService service) {
        this.service = service;
    }

    @POST
    @Path("/{token}")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @ResponseStatus(202)
    @Operation(summary = "Trigger a workflow: the payload is stored encrypted and an execution is queued")
    @APIResponse(responseCode = "202", description = "{executionId}")
    @APIResponse(responseCode = "400", description = "A JSON body that is not valid JSON")
    @APIResponse(responseCode = "401", description = "The trigger requires a signature and it is missing or wrong")
    @APIResponse(responseCode = "404", description = "No active workflow has this webhook URL")
    @APIResponse(responseCode = "413", description = "Body larger than the limit")
    public Uni<Accepted> trigger(@PathParam("token") String token, byte[] body, RoutingContext rc) {
        Map<String, String> headers = new LinkedHashMap<>();
        rc.request().headers().forEach(e -> {
            if (headers.size() < MAX_HEADERS) {
                headers.putIfAbsent(e.getKey(), e.getValue());
            }
        });
        AuditContext ctx = AuditContext.of(new AuditEvent.Actor("system", "webhook", "webhook trigger"), rc);
        return service.accept(token, body == null ? new byte[0] : body, rc.request().getHeader("Content-Type"),
                headers, ctx).map(id -> new Accepted(id.toString()));
    }
}

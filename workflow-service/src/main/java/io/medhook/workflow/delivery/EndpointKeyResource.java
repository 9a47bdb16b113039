package io.medhook.workflow.delivery;

import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.AuditOutbox;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.security.MedhookPrincipal;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Instance administration: re-wrapping webhook endpoint data keys after a key-encryption key rotation. */
@Path("/api/v1/admin/webhook-endpoint-keys")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("user")
public class EndpointKeyResource {

    private final EndpointKeyRewrap rewrap;
    private final Pool pool;
    private final SecurityIdentity identity;

    public EndpointKeyResource(EndpointKeyRewrap rewrap, Pool pool, SecurityIdentity identity) {
        this.rewrap = rewrap;
        this.pool = pool;
        this.identity = identity;
    }

    @POST
    @Path("/rewrap")
    @Operation(summary = "Re-wrap every webhook endpoint's data key under the current key-encryption key (after "
            + "rotating it in the secrets backend); deliveries go on meanwhile")
    @APIResponse(responseCode = "200", description = "Counts, and the ids of endpoints that could not be re-wrapped")
    @APIResponse(responseCode = "403", description = "Not an instance owner")
    public Uni<EndpointKeyRewrap.Report> rewrap(RoutingContext rc) {
        MedhookPrincipal p = WorkspaceRole.caller(identity);
        if (p.kind() != MedhookPrincipal.Kind.USER || !p.hasRole("owner")) {
            throw MedhookException.forbidden("Re-wrapping webhook endpoint keys needs the instance owner role");
        }
        AuditContext audit = AuditContext.of(identity, rc);
        return rewrap.rewrapAll().call(r -> pool.withTransaction(tx -> AuditOutbox.append(tx, AuditEvent.of(audit,
                "webhook_endpoint.keys.rewrap", "webhook-endpoint-keys", "all", null,
                r.failed().isEmpty() ? AuditEvent.Outcome.success : AuditEvent.Outcome.failure,
                Map.of("after", counts(r))))));
    }

    private static Map<String, Object> counts(EndpointKeyRewrap.Report r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("currentKey", r.currentKey());
        m.put("scanned", r.scanned());
        m.put("rewrapped", r.rewrapped());
        m.put("alreadyCurrent", r.alreadyCurrent());
        m.put("changedMeanwhile", r.changedMeanwhile());
        m.put("failed", r.failed());
        return m;
    }
}

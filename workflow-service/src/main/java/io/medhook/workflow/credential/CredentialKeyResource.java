package io.medhook.workflow.credential;

import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.HibernateAuditOutbox;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.security.MedhookPrincipal;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Instance administration of credential encryption: re-wrapping data keys after a key-encryption key rotation. */
@Path("/api/v1/admin/credential-keys")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("user")
public class CredentialKeyResource {

    private final CredentialKeyRewrap rewrap;
    private final SecurityIdentity identity;

    public CredentialKeyResource(CredentialKeyRewrap rewrap, SecurityIdentity identity) {
        this.rewrap = rewrap;
        this.identity = identity;
    }

    @POST
    @Path("/rewrap")
    @Operation(summary = "Re-wrap every credential's data key under the current key-encryption key (after rotating "
            + "it in the secrets backend); runs in batches, reads continue meanwhile")
    @APIResponse(responseCode = "200", description = "Counts, and the ids of credentials that could not be re-wrapped")
    @APIResponse(responseCode = "401", description = "No valid user token")
    @APIResponse(responseCode = "403", description = "Not an instance owner")
    public Uni<RewrapReport> rewrap(RoutingContext rc) {
        MedhookPrincipal p = WorkspaceRole.caller(identity);
        if (p.kind() != MedhookPrincipal.Kind.USER || !p.hasRole("owner")) {
            throw MedhookException.forbidden("Re-wrapping credential keys needs the instance owner role");
        }
        AuditContext audit = AuditContext.of(identity, rc);
        return rewrap.rewrapAll().call(r -> Panache.withTransaction(() -> Panache.getSession()
                .chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(audit, "credential.keys.rewrap",
                        "credential-keys", "all", null, r.failed().isEmpty() && r.executions().failed().isEmpty()
                                && r.workflows().failed().isEmpty() ? AuditEvent.Outcome.success
                                : AuditEvent.Outcome.failure, Map.of("after", counts(r)))))));
    }

    private static Map<String, Object> counts(RewrapReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("currentKey", r.currentKey());
        m.put("scanned", r.scanned());
        m.put("rewrapped", r.rewrapped());
        m.put("alreadyCurrent", r.alreadyCurrent());
        m.put("changedMeanwhile", r.changedMeanwhile());
        m.put("failed", r.failed());
        m.put("executions", Map.of("rewrapped", r.executions().rewrapped(), "failed", r.executions().failed().size()));
        m.put("workflows", Map.of("rewrapped", r.workflows().rewrapped(), "failed", r.workflows().failed().size()));
        return m;
    }
}

package io.medhook.workflow.egress;

import io.medhook.common.audit.AuditContext;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.security.MedhookPrincipal;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Instance administration of the egress allow-list: private destinations workflows may reach. */
@Path("/api/v1/admin/egress/allow-list")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("user")
public class EgressAllowListResource {

    private final EgressAllowList allowList;
    private final SecurityIdentity identity;

    public EgressAllowListResource(EgressAllowList allowList, SecurityIdentity identity) {
        this.allowList = allowList;
        this.identity = identity;
    }

    @GET
    @Operation(summary = "The egress allow-list: stored CIDRs and host names, and the read-only entries of "
            + "MEDHOOK_EGRESS_ALLOWED_CIDRS")
    @APIResponse(responseCode = "200", description = "The allow-list")
    @APIResponse(responseCode = "401", description = "No valid user token")
    @APIResponse(responseCode = "403", description = "Not an instance owner")
    public Uni<EgressAllowListView> get() {
        requireOwner();
        return allowList.view();
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Replace the stored egress allow-list (CIDRs and exact host names); every replica applies "
            + "it within refreshSeconds")
    @APIResponse(responseCode = "200", description = "The allow-list as stored")
    @APIResponse(responseCode = "401", description = "No valid user token")
    @APIResponse(responseCode = "403", description = "Not an instance owner")
    @APIResponse(responseCode = "422", description = "An entry is not valid, too broad or reserved; the problem "
            + "names it")
    public Uni<EgressAllowListView> put(EgressAllowListRequest request, RoutingContext rc) {
        requireOwner();
        return allowList.replace(request, AuditContext.of(identity, rc));
    }

    private void requireOwner() {
        MedhookPrincipal p = WorkspaceRole.caller(identity);
        if (p.kind() != MedhookPrincipal.Kind.USER || !p.hasRole("owner")) {
            throw MedhookException.forbidden("The egress allow-list needs the instance owner role");
        }
    }
}

package io.medhook.workflow.execution;

import io.medhook.common.Ids;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.security.MedhookPrincipal;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

@Path("/api/v1/workspaces/{workspaceId}/executions")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("user")
public class ExecutionResource {

    private final ExecutionService service;
    private final SecurityIdentity identity;

    public ExecutionResource(ExecutionService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "An execution: status (queued, running, succeeded, failed), steps, timestamps; payloads for editors and admins")
    @APIResponse(responseCode = "200", description = "The execution")
    @APIResponse(responseCode = "404", description = "No such execution in this workspace")
    public Uni<ExecutionView> get(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id,
            RoutingContext rc) {
        MedhookPrincipal p = WorkspaceRole.require(identity, workspaceId, WorkspaceRole.VIEWER);
        boolean payload = WorkspaceRole.fromClaim(p.workspaceRole(workspaceId)).satisfies(WorkspaceRole.EDITOR);
        return service.get(Ids.uuidOrNotFound(workspaceId, "Workspace"), Ids.uuidOrNotFound(id, "Execution"), payload,
                AuditContext.of(identity, rc));
    }
}

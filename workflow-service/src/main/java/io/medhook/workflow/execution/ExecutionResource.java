package io.medhook.workflow.execution;

import io.medhook.common.Ids;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.security.MedhookPrincipal;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.ResponseStatus;

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
    @Operation(summary = "The workspace's executions, newest first: status and times only, never payloads")
    @APIResponse(responseCode = "200", description = "{items[], nextCursor}; pass nextCursor as cursor for the next page")
    @APIResponse(responseCode = "400", description = "A bad filter (workflowId, parentExecutionId, status, from, to, limit) or cursor")
    public Uni<ExecutionList> list(@PathParam("workspaceId") String workspaceId,
            @QueryParam("workflowId") String workflowId,
            @QueryParam("parentExecutionId") String parentExecutionId, @QueryParam("status") String status,
            @QueryParam("from") String from, @QueryParam("to") String to, @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.VIEWER);
        return service.list(Ids.uuidOrNotFound(workspaceId, "Workspace"), workflowId, parentExecutionId, status, from, to, limit, cursor);
    }

    @POST
    @Path("/{id}/cancel")
    @ResponseStatus(202)
    @Operation(summary = "Cancel an execution: a queued one at once, a running one before its next step")
    @APIResponse(responseCode = "202", description = "{executionId, status: cancelled|cancelling}")
    @APIResponse(responseCode = "403", description = "Role too weak (editor needed)")
    @APIResponse(responseCode = "404", description = "No such execution in this workspace")
    @APIResponse(responseCode = "409", description = "The execution has already finished")
    public Uni<CancelView> cancel(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id,
            RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return service.cancel(Ids.uuidOrNotFound(workspaceId, "Workspace"), Ids.uuidOrNotFound(id, "Execution"),
                AuditContext.of(identity, rc));
    }

    @POST
    @Path("/{id}/rerun")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(202)
    @Operation(summary = "Re-run a finished execution as a new one, from the start or from the failed step")
    @APIResponse(responseCode = "202", description = "{executionId, rerunOf}")
    @APIResponse(responseCode = "400", description = "from is not start or failed-step")
    @APIResponse(responseCode = "403", description = "Role too weak (editor needed)")
    @APIResponse(responseCode = "404", description = "No such execution in this workspace")
    @APIResponse(responseCode = "409", description = "Not finished; succeeded and from=failed-step; workflow deactivated or deleted")
    public Uni<ExecutionAccepted> rerun(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id,
            RerunRequest body, RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return service.rerun(Ids.uuidOrNotFound(workspaceId, "Workspace"), Ids.uuidOrNotFound(id, "Execution"), body,
                AuditContext.of(identity, rc));
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "An execution: status (queued, running, succeeded, failed, cancelled, timed_out), steps, timestamps; payloads for editors and admins")
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

package io.medhook.workflow.workflow;

import io.medhook.common.Ids;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.security.WorkspaceRole;
import io.medhook.workflow.definition.WorkflowDefinition;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.ResponseStatus;

@Path("/api/v1/workspaces/{workspaceId}/workflows")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("user")
public class WorkflowResource {

    private static UUID uuid(String s, String what) {
        return Ids.uuidOrNotFound(s, what);
    }

    private final WorkflowService service;
    private final SecurityIdentity identity;

    public WorkflowResource(WorkflowService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @Operation(summary = "Create a workflow: a webhook trigger and a DAG of code and http nodes")
    @APIResponse(responseCode = "201", description = "Created; webhookUrl is an unguessable capability URL")
    @APIResponse(responseCode = "400", description = "Malformed JSON")
    @APIResponse(responseCode = "401", description = "No valid user token")
    @APIResponse(responseCode = "403", description = "Role too weak (editor needed)")
    @APIResponse(responseCode = "404", description = "Unknown workspace")
    @APIResponse(responseCode = "422", description = "Invalid workflow: errors[] names each node and field")
    public Uni<WorkflowView> create(@PathParam("workspaceId") String workspaceId, WorkflowDefinition body,
            RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return service.create(uuid(workspaceId, "Workspace"), body, AuditContext.of(identity, rc));
    }

    @GET
    @Operation(summary = "List the workspace's workflows")
    public Uni<WorkflowList> list(@PathParam("workspaceId") String workspaceId) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.VIEWER);
        return service.list(uuid(workspaceId, "Workspace")).map(WorkflowList::new);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "A workflow with its current definition")
    @APIResponse(responseCode = "404", description = "No such workflow in this workspace")
    public Uni<WorkflowView> get(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.VIEWER);
        return service.get(uuid(workspaceId, "Workspace"), uuid(id, "Workflow"));
    }

    @PUT
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Save a new version of a workflow (earlier versions are kept, immutable)")
    public Uni<WorkflowView> update(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id,
            WorkflowDefinition body, RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return service.update(uuid(workspaceId, "Workspace"), uuid(id, "Workflow"), body,
                AuditContext.of(identity, rc));
    }

    @DELETE
    @Path("/{id}")
    @ResponseStatus(204)
    @Operation(summary = "Delete a workflow; its webhook stops at once")
    public Uni<Void> delete(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id,
            RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return service.delete(uuid(workspaceId, "Workspace"), uuid(id, "Workflow"), AuditContext.of(identity, rc));
    }
}

package io.medhook.workflow.workflow;

import io.medhook.common.Ids;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.security.WorkspaceRole;
import io.medhook.workflow.definition.WorkflowDefinition;
import io.medhook.workflow.execution.ExecutionAccepted;
import io.medhook.workflow.execution.ExecutionService;
import io.medhook.workflow.execution.RunRequest;
import io.medhook.workflow.promotion.PromoteRequest;
import io.medhook.workflow.promotion.PromotionService;
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
    private final ExecutionService executions;
    private final SecurityIdentity identity;
    private final PromotionService promotions;

    public WorkflowResource(WorkflowService service, ExecutionService executions, SecurityIdentity identity,
            PromotionService promotions) {
        this.service = service;
        this.executions = executions;
        this.identity = identity;
        this.promotions = promotions;
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

    @POST
    @Path("/import")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @Operation(summary = "Create a workflow from an exported document (new id, new webhook URL)")
    @APIResponse(responseCode = "201", description = "Created")
    @APIResponse(responseCode = "400", description = "Malformed JSON, or format is not medhook.workflow/v1")
    @APIResponse(responseCode = "403", description = "Role too weak (editor needed)")
    @APIResponse(responseCode = "422", description = "Invalid workflow: errors[] names each node and field")
    public Uni<WorkflowView> importWorkflow(@PathParam("workspaceId") String workspaceId, WorkflowExport body,
            RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return service.importWorkflow(uuid(workspaceId, "Workspace"), body, AuditContext.of(identity, rc));
    }

    @GET
    @Path("/{id}/export")
    @Operation(summary = "The current version as a self-contained document: no webhook URL, no credential values")
    @APIResponse(responseCode = "200", description = "{format: medhook.workflow/v1, name, definition, version, redacted}")
    @APIResponse(responseCode = "404", description = "No such workflow in this workspace")
    public Uni<WorkflowExport> export(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.VIEWER);
        return service.export(uuid(workspaceId, "Workspace"), uuid(id, "Workflow"));
    }

    @POST
    @Path("/{id}/activate")
    @Operation(summary = "Activate a workflow: its webhook accepts calls and it can be run")
    @APIResponse(responseCode = "200", description = "The workflow's summary")
    @APIResponse(responseCode = "404", description = "No such workflow in this workspace")
    public Uni<WorkflowSummary> activate(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id,
            RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return service.setActive(uuid(workspaceId, "Workspace"), uuid(id, "Workflow"), true,
                AuditContext.of(identity, rc));
    }

    @POST
    @Path("/{id}/deactivate")
    @Operation(summary = "Deactivate a workflow: its webhook answers 404 and it cannot be run; executions stay")
    @APIResponse(responseCode = "200", description = "The workflow's summary")
    @APIResponse(responseCode = "404", description = "No such workflow in this workspace")
    public Uni<WorkflowSummary> deactivate(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id,
            RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return service.setActive(uuid(workspaceId, "Workspace"), uuid(id, "Workflow"), false,
                AuditContext.of(identity, rc));
    }

    @POST
    @Path("/{id}/run")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(202)
    @Operation(summary = "Run the workflow's current version now with {\"input\": any JSON}")
    @APIResponse(responseCode = "202", description = "{executionId}")
    @APIResponse(responseCode = "400", description = "Malformed JSON or no body")
    @APIResponse(responseCode = "403", description = "Role too weak (editor needed)")
    @APIResponse(responseCode = "404", description = "No such workflow in this workspace")
    @APIResponse(responseCode = "409", description = "The workflow is deactivated")
    @APIResponse(responseCode = "413", description = "Input larger than the webhook body limit")
    public Uni<ExecutionAccepted> run(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id,
            RunRequest body, RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return executions.run(uuid(workspaceId, "Workspace"), uuid(id, "Workflow"), body,
                AuditContext.of(identity, rc));
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

    @POST
    @Path("/{id}/versions/{version}/promote")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @Operation(summary = "Copy a version of this sandbox workflow into a production workspace the caller administers,"
            + " mapping every credential (and called workflow) to one of the production workspace")
    @APIResponse(responseCode = "201", description = "The production workflow (new, or targetWorkflowId's next version)")
    @APIResponse(responseCode = "400", description = "Malformed JSON or ids")
    @APIResponse(responseCode = "403", description = "Not an admin of the production workspace (token or auth-service)")
    @APIResponse(responseCode = "404", description = "Unknown workspace, workflow or version")
    @APIResponse(responseCode = "409", description = "Not from a sandbox to a production workspace")
    @APIResponse(responseCode = "422", description = "A reference without a mapping, or mapped to a credential the node"
            + " cannot use: errors[] names node and field")
    public Uni<WorkflowView> promote(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id,
            @PathParam("version") String version, PromoteRequest body, RoutingContext rc) {
        var caller = WorkspaceRole.require(identity, workspaceId, WorkspaceRole.VIEWER);
        if (body == null || body.targetWorkspaceId() == null) {
            throw io.medhook.common.problem.MedhookException.badRequest("targetWorkspaceId is required");
        }
        WorkspaceRole.require(identity, body.targetWorkspaceId(), WorkspaceRole.ADMIN);
        int v;
        try {
            v = Integer.parseInt(version);
        } catch (NumberFormatException e) {
            throw io.medhook.common.problem.MedhookException.notFound("Workflow version");
        }
        return promotions.promote(caller, io.medhook.workflow.promotion.AuthWorkspaces.bearer(rc), uuid(workspaceId, "Workspace"), uuid(id, "Workflow"), v, body,
                AuditContext.of(identity, rc));
    }
}

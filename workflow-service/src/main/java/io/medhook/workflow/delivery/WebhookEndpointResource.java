package io.medhook.workflow.delivery;

import io.medhook.common.Ids;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import io.medhook.workflow.promotion.AuthWorkspaces;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.ResponseStatus;

/**
 * Webhook endpoints of a workspace. The signing secret is in the answer to a creation or a rotation only. Editors
 * manage endpoints, viewers read them (as credentials).
 */
@Path("/api/v1/workspaces/{workspaceId}/webhook-endpoints")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("user")
public class WebhookEndpointResource {

    private final WebhookEndpointService service;
    private final SecurityIdentity identity;
    private final AuthWorkspaces workspaces;

    public WebhookEndpointResource(WebhookEndpointService service, SecurityIdentity identity,
            AuthWorkspaces workspaces) {
        this.service = service;
        this.identity = identity;
        this.workspaces = workspaces;
    }

    private static UUID uuid(String s, String what) {
        return Ids.uuidOrNotFound(s, what);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @Operation(summary = "Create a webhook endpoint; the answer carries the signing secret (whsec_…), shown only here")
    @APIResponse(responseCode = "201", description = "Created, with the secret")
    @APIResponse(responseCode = "400", description = "Malformed JSON or unknown field")
    @APIResponse(responseCode = "403", description = "Role too weak (editor needed)")
    @APIResponse(responseCode = "404", description = "Unknown workspace")
    @APIResponse(responseCode = "422", description = "Invalid endpoint: errors[] names each field")
    public Uni<WebhookEndpointView> create(@PathParam("workspaceId") String workspaceId, WebhookEndpointRequest body,
            RoutingContext rc) {
        var caller = WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        UUID ws = uuid(workspaceId, "Workspace");
        AuditContext audit = AuditContext.of(identity, rc);
        return workspaces.kindOrNull(caller, AuthWorkspaces.bearer(rc), workspaceId)
                .chain(kind -> service.create(ws, body, audit, kind));
    }

    @GET
    @Operation(summary = "List the workspace's webhook endpoints (never their secrets)")
    public Uni<WebhookEndpointList> list(@PathParam("workspaceId") String workspaceId) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.VIEWER);
        return service.list(uuid(workspaceId, "Workspace")).map(WebhookEndpointList::new);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One webhook endpoint (never its secret)")
    @APIResponse(responseCode = "404", description = "No such endpoint in this workspace")
    public Uni<WebhookEndpointView> get(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.VIEWER);
        return service.get(uuid(workspaceId, "Workspace"), uuid(id, "Webhook endpoint"));
    }

    @PUT
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Update a webhook endpoint: given fields replace, omitted ones stay; enabled=true re-enables "
            + "a disabled endpoint")
    @APIResponse(responseCode = "422", description = "Invalid endpoint: errors[] names each field")
    public Uni<WebhookEndpointView> update(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id,
            WebhookEndpointRequest body, RoutingContext rc) {
        var caller = WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        UUID ws = uuid(workspaceId, "Workspace");
        UUID endpoint = uuid(id, "Webhook endpoint");
        AuditContext audit = AuditContext.of(identity, rc);
        return workspaces.kindOrNull(caller, AuthWorkspaces.bearer(rc), workspaceId)
                .chain(kind -> service.update(ws, endpoint, body, audit, kind));
    }

    @DELETE
    @Path("/{id}")
    @ResponseStatus(204)
    @Operation(summary = "Delete a webhook endpoint, its secrets and its deliveries")
    public Uni<Void> delete(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id,
            RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return service.delete(uuid(workspaceId, "Workspace"), uuid(id, "Webhook endpoint"),
                AuditContext.of(identity, rc));
    }

    @POST
    @Path("/{id}/secret/rotate")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Rotate the signing secret: the answer carries the new one (shown only here); the old one "
            + "keeps signing during overlapSeconds (both signatures are sent)")
    public Uni<WebhookEndpointView> rotate(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id,
            SecretRotationRequest body, RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return service.rotate(uuid(workspaceId, "Workspace"), uuid(id, "Webhook endpoint"), body,
                AuditContext.of(identity, rc));
    }
}

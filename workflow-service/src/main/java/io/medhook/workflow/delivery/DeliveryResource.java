package io.medhook.workflow.delivery;

import io.medhook.common.Ids;
import io.medhook.common.audit.AuditContext;
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
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.ResponseStatus;

/** Messages, deliveries (with the failed view and the attempt log) and redelivery of a workspace. */
@Path("/api/v1/workspaces/{workspaceId}")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("user")
public class DeliveryResource {

    private final DeliveryService service;
    private final SecurityIdentity identity;

    public DeliveryResource(DeliveryService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    private static UUID uuid(String s, String what) {
        return Ids.uuidOrNotFound(s, what);
    }

    @POST
    @Path("/webhook-messages")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(202)
    @Operation(summary = "Send a message {eventType, data} to every enabled endpoint subscribed to its type: one "
            + "stored delivery each, all with the same webhook-id")
    @APIResponse(responseCode = "422", description = "eventType or data missing or invalid")
    public Uni<MessageAccepted> message(@PathParam("workspaceId") String workspaceId, MessageRequest body,
            RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return service.createMessage(uuid(workspaceId, "Workspace"), body, AuditContext.of(identity, rc));
    }

    @GET
    @Path("/webhook-deliveries")
    @Operation(summary = "Deliveries of the workspace, newest first (at most 100); status=failed is the "
            + "failed-deliveries view (newest failure first)")
    @APIResponse(responseCode = "400", description = "Unknown status")
    public Uni<DeliveryList> list(@PathParam("workspaceId") String workspaceId, @QueryParam("status") String status) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.VIEWER);
        return service.list(uuid(workspaceId, "Workspace"), null, status).map(DeliveryList::new);
    }

    @GET
    @Path("/webhook-endpoints/{endpointId}/deliveries")
    @Operation(summary = "Deliveries of one endpoint, newest first (at most 100), optionally of one status")
    public Uni<DeliveryList> listForEndpoint(@PathParam("workspaceId") String workspaceId,
            @PathParam("endpointId") String endpointId, @QueryParam("status") String status) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.VIEWER);
        return service.list(uuid(workspaceId, "Workspace"), uuid(endpointId, "Webhook endpoint"), status)
                .map(DeliveryList::new);
    }

    @GET
    @Path("/webhook-deliveries/{id}")
    @Operation(summary = "One delivery with its attempt log (time, status code, latency, response start, error)")
    @APIResponse(responseCode = "404", description = "No such delivery in this workspace")
    public Uni<DeliveryView> get(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.VIEWER);
        return service.get(uuid(workspaceId, "Workspace"), uuid(id, "Webhook delivery"));
    }

    @POST
    @Path("/webhook-deliveries/{id}/redeliver")
    @Operation(summary = "Send a failed or succeeded delivery again now, with the same webhook-id")
    @APIResponse(responseCode = "409", description = "The delivery is still pending or being sent")
    @APIResponse(responseCode = "429", description = "Too many redelivery requests in this workspace")
    public Uni<DeliveryView> redeliver(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id,
            RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return service.redeliver(uuid(workspaceId, "Workspace"), uuid(id, "Webhook delivery"),
                AuditContext.of(identity, rc));
    }

    @POST
    @Path("/webhook-endpoints/{endpointId}/redeliver-failed")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(202)
    @Operation(summary = "Send again every failed delivery of the endpoint that failed at or after {since}, with "
            + "their webhook-ids")
    @APIResponse(responseCode = "429", description = "Too many redelivery requests in this workspace")
    public Uni<RedeliveryAccepted> redeliverFailed(@PathParam("workspaceId") String workspaceId,
            @PathParam("endpointId") String endpointId, RedeliverRequest body, RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return service.redeliverFailed(uuid(workspaceId, "Workspace"), uuid(endpointId, "Webhook endpoint"), body,
                AuditContext.of(identity, rc));
    }
}

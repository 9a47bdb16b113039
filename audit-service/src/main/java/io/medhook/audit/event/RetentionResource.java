package io.medhook.audit.event;

import io.medhook.common.audit.AuditContext;
import io.medhook.common.problem.MedhookException;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;

/** Retention runs and legal holds; instance owners only. */
@Path("/api/v1/audit")
@Tag(name = "audit")
@RolesAllowed("user")
@Produces(MediaType.APPLICATION_JSON)
public class RetentionResource {

    public record HoldRequest(@NotBlank @Size(max = 500) String reason) {
    }

    private final RetentionService retention;
    private final AuditAccess access;
    private final SecurityIdentity identity;

    public RetentionResource(RetentionService retention, AuditAccess access, SecurityIdentity identity) {
        this.retention = retention;
        this.access = access;
        this.identity = identity;
    }

    @POST
    @Path("/retention/run")
    @Operation(summary = "Prune events older than the retention period now (also runs on its own daily)")
    @APIResponse(responseCode = "200", description = "{removed, prunedThroughSeq, cutoff, heldWorkspaces}")
    @APIResponse(responseCode = "403", description = "Not an instance owner")
    public Uni<RetentionService.Report> run(RoutingContext rc) {
        access.requireOwner(identity);
        return retention.run(AuditContext.of(identity, rc));
    }

    @GET
    @Path("/legal-holds")
    @Operation(summary = "Workspaces under legal hold")
    @APIResponse(responseCode = "200", description = "{items: [{workspaceId, reason, createdBy, createdAt}]}")
    public Uni<Map<String, List<Map<String, Object>>>> holds() {
        access.requireOwner(identity);
        return retention.listHolds().map(items -> Map.of("items", items));
    }

    @PUT
    @Path("/legal-holds/{workspaceId}")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(204)
    @Operation(summary = "Place a legal hold on a workspace: its events (and every younger event) are not pruned")
    @APIResponse(responseCode = "204", description = "Held")
    public Uni<Void> hold(@PathParam("workspaceId") String workspaceId, @Valid @NotNull HoldRequest body,
            RoutingContext rc) {
        access.requireOwner(identity);
        if (workspaceId.length() > 200) {
            throw AuditQueryService.badParameter("workspaceId", "is too long");
        }
        return retention.hold(workspaceId, body.reason(), AuditContext.of(identity, rc));
    }

    @DELETE
    @Path("/legal-holds/{workspaceId}")
    @ResponseStatus(204)
    @Operation(summary = "Release a legal hold")
    @APIResponse(responseCode = "204", description = "Released")
    @APIResponse(responseCode = "404", description = "No hold on this workspace")
    public Uni<Void> release(@PathParam("workspaceId") String workspaceId, RoutingContext rc) {
        access.requireOwner(identity);
        return retention.release(workspaceId, AuditContext.of(identity, rc)).map(released -> {
            if (!released) {
                throw MedhookException.notFound("Legal hold");
            }
            return null;
        });
    }
}

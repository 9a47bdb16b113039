package io.medhook.auth.workspace;

import io.medhook.auth.access.Access;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.ResponseStatus;

/** Members of a workspace (workspace admins or instance owners; checked in the token and in the database). */
@Path("/api/v1/workspaces/{workspaceId}/members")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("user")
public class MemberResource {

    public record RoleRequest(
            @NotBlank @Pattern(regexp = "admin|editor|viewer|auditor", message = "must be admin, editor, viewer or auditor") String role) {
    }

    public record MemberList(List<MemberService.MemberView> items) {
    }

    private final MemberService service;
    private final SecurityIdentity identity;

    public MemberResource(MemberService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @GET
    @Operation(summary = "Members of the workspace with their roles")
    public Uni<MemberList> list(@PathParam("workspaceId") String ws) {
        return service.list(WorkspaceRole.caller(identity), Access.uuid(ws)).map(MemberList::new);
    }

    @PUT
    @Path("/{userId}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Add a member or change their role (their sessions are revoked on a change)")
    public Uni<MemberService.MemberView> put(@PathParam("workspaceId") String ws, @PathParam("userId") String userId,
            @Valid @NotNull RoleRequest body, RoutingContext rc) {
        return service.put(WorkspaceRole.caller(identity), Access.uuid(ws), Access.uuid(userId), body.role(),
                AuditContext.of(identity, rc));
    }

    @DELETE
    @Path("/{userId}")
    @ResponseStatus(204)
    @Operation(summary = "Remove a member (their sessions are revoked)")
    public Uni<Void> remove(@PathParam("workspaceId") String ws, @PathParam("userId") String userId,
            RoutingContext rc) {
        return service.remove(WorkspaceRole.caller(identity), Access.uuid(ws), Access.uuid(userId),
                AuditContext.of(identity, rc));
    }
}

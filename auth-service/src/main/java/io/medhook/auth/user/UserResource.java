package io.medhook.auth.user;

import io.medhook.auth.access.Access;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.ResponseStatus;

/** Users (instance owners only; the owner role is checked in the token and in the database). */
@Path("/api/v1/users")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("owner")
public class UserResource {

    private final UserService service;
    private final SecurityIdentity identity;

    public UserResource(UserService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @GET
    @Operation(summary = "List users")
    public Uni<UserRequests.UserList> list() {
        return service.list(WorkspaceRole.caller(identity)).map(UserRequests.UserList::new);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @Operation(summary = "Create a local user (password login)")
    public Uni<UserView> create(@Valid @NotNull UserRequests.Create body, RoutingContext rc) {
        return service.create(WorkspaceRole.caller(identity), body, AuditContext.of(identity, rc));
    }

    @PATCH
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Disable, enable, promote or demote a user; disabling or demoting revokes all their sessions")
    public Uni<UserView> update(@PathParam("id") String id, @Valid @NotNull UserRequests.Update body,
            RoutingContext rc) {
        return service.update(WorkspaceRole.caller(identity), Access.uuid(id), body, AuditContext.of(identity, rc));
    }
}

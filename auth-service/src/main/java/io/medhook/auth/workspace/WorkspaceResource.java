package io.medhook.auth.workspace;

import io.medhook.common.audit.AuditContext;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.jboss.resteasy.reactive.ResponseStatus;

@Path("/api/v1/workspaces")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "bearer")
public class WorkspaceResource {

    private final WorkspaceService service;
    private final SecurityIdentity identity;

    public WorkspaceResource(WorkspaceService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @GET
    @RolesAllowed("user")
    @Operation(summary = "The caller's workspaces, each with id, name, kind (sandbox|production) and the caller's role")
    @APIResponse(responseCode = "200", description = "Workspaces")
    @APIResponse(responseCode = "401", description = "No valid user token")
    public Uni<WorkspaceList> list() {
        return service.listFor(WorkspaceRole.caller(identity)).map(WorkspaceList::new);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed("owner")
    @ResponseStatus(201)
    @Operation(summary = "Create a workspace (instance owners only); the creator becomes its admin")
    @APIResponse(responseCode = "201", description = "Created")
    @APIResponse(responseCode = "400", description = "Invalid body")
    @APIResponse(responseCode = "403", description = "Caller is not an owner")
    @APIResponse(responseCode = "409", description = "Name taken")
    public Uni<WorkspaceView> create(@Valid @NotNull CreateWorkspaceRequest request, RoutingContext rc) {
        return service.create(WorkspaceRole.caller(identity), request, AuditContext.of(identity, rc));
    }
}

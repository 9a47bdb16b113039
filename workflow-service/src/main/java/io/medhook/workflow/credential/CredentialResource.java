package io.medhook.workflow.credential;

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
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.ResponseStatus;

/** Credentials of a workspace. Secret fields are write-only: no response ever carries their values. */
@Path("/api/v1/workspaces/{workspaceId}/credentials")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("user")
public class CredentialResource {

    private final CredentialService service;
    private final SecurityIdentity identity;

    public CredentialResource(CredentialService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    private static UUID uuid(String s, String what) {
        return Ids.uuidOrNotFound(s, what);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @Operation(summary = "Create a credential: {name, type, fields}; secret fields are stored encrypted, never returned")
    @APIResponse(responseCode = "201", description = "Created; the view names the secret fields that are set")
    @APIResponse(responseCode = "400", description = "Malformed JSON or unknown top-level field")
    @APIResponse(responseCode = "401", description = "No valid user token")
    @APIResponse(responseCode = "403", description = "Role too weak (editor needed)")
    @APIResponse(responseCode = "404", description = "Unknown workspace")
    @APIResponse(responseCode = "409", description = "A credential with this name exists in the workspace")
    @APIResponse(responseCode = "422", description = "Invalid credential: errors[] names each field")
    public Uni<CredentialView> create(@PathParam("workspaceId") String workspaceId, CredentialRequest body,
            RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return service.create(uuid(workspaceId, "Workspace"), body, AuditContext.of(identity, rc));
    }

    @GET
    @Operation(summary = "List the workspace's credentials (metadata and non-secret fields only)")
    public Uni<CredentialList> list(@PathParam("workspaceId") String workspaceId) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.VIEWER);
        return service.list(uuid(workspaceId, "Workspace")).map(CredentialList::new);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One credential (metadata and non-secret fields only)")
    @APIResponse(responseCode = "404", description = "No such credential in this workspace")
    public Uni<CredentialView> get(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.VIEWER);
        return service.get(uuid(workspaceId, "Workspace"), uuid(id, "Credential"));
    }

    @PUT
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Update a credential: given fields replace, omitted fields keep their value, null removes an "
            + "optional field; the type cannot change")
    @APIResponse(responseCode = "409", description = "Name taken, or the credential changed concurrently")
    @APIResponse(responseCode = "422", description = "Invalid credential: errors[] names each field")
    public Uni<CredentialView> update(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id,
            CredentialRequest body, RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return service.update(uuid(workspaceId, "Workspace"), uuid(id, "Credential"), body,
                AuditContext.of(identity, rc));
    }

    @DELETE
    @Path("/{id}")
    @ResponseStatus(204)
    @Operation(summary = "Delete a credential and its encrypted secrets")
    public Uni<Void> delete(@PathParam("workspaceId") String workspaceId, @PathParam("id") String id,
            RoutingContext rc) {
        WorkspaceRole.require(identity, workspaceId, WorkspaceRole.EDITOR);
        return service.delete(uuid(workspaceId, "Workspace"), uuid(id, "Credential"), AuditContext.of(identity, rc));
    }
}

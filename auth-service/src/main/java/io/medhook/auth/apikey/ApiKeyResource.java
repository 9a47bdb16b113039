package io.medhook.auth.apikey;

import io.medhook.common.audit.AuditContext;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.jboss.resteasy.reactive.ResponseStatus;

/** API keys of one workspace; workspace admins (token and database) and instance owners only. */
@Path("/api/v1/workspaces/{workspaceId}/api-keys")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "bearer")
public class ApiKeyResource {

    private final ApiKeyService service;
    private final SecurityIdentity identity;

    public ApiKeyResource(ApiKeyService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed("user")
    @ResponseStatus(201)
    @Operation(summary = "Create an API key (mh_sk_sbx_… or mh_sk_live_… by workspace kind); the key is shown only here")
    @APIResponse(responseCode = "201", description = "{id, name, role, prefix, key, createdAt, expiresAt}")
    @APIResponse(responseCode = "400", description = "Invalid body")
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "Caller is not an admin of the workspace, or asks for a role above its own")
    @APIResponse(responseCode = "404", description = "No such workspace, or the caller is not a member")
    @APIResponse(responseCode = "422", description = "expiresAt is not in the future")
    public Uni<CreatedApiKey> create(@PathParam("workspaceId") String workspaceId,
            @Valid @NotNull CreateApiKeyRequest request, RoutingContext rc) {
        return service.create(WorkspaceRole.caller(identity), workspaceId, request, AuditContext.of(identity, rc));
    }

    @GET
    @RolesAllowed("user")
    @Operation(summary = "The workspace's API keys: prefix, role, created, last used, expiry, revocation; never the key")
    @APIResponse(responseCode = "200", description = "{items: [...]}")
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "Caller is not an admin of the workspace")
    @APIResponse(responseCode = "404", description = "No such workspace, or the caller is not a member")
    public Uni<ApiKeyList> list(@PathParam("workspaceId") String workspaceId) {
        return service.list(WorkspaceRole.caller(identity), workspaceId);
    }

    @DELETE
    @Path("/{keyId}")
    @RolesAllowed("user")
    @ResponseStatus(204)
    @Operation(summary = "Revoke an API key; every service refuses it within 5 seconds")
    @APIResponse(responseCode = "204", description = "Revoked (also when it already was)")
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "Caller is not an admin of the workspace")
    @APIResponse(responseCode = "404", description = "No such workspace or key")
    public Uni<Void> revoke(@PathParam("workspaceId") String workspaceId, @PathParam("keyId") String keyId,
            RoutingContext rc) {
        return service.revoke(WorkspaceRole.caller(identity), workspaceId, keyId, AuditContext.of(identity, rc));
    }

    @POST
    @Path("/{keyId}/rotate")
    @RolesAllowed("user")
    @ResponseStatus(201)
    @Operation(summary = "Replace an API key by a new one with the same name, role and expiry; the old one is revoked")
    @APIResponse(responseCode = "201", description = "The new key, shown only here")
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "Caller is not an admin of the workspace")
    @APIResponse(responseCode = "404", description = "No such workspace or key")
    @APIResponse(responseCode = "409", description = "The key is revoked or expired")
    public Uni<CreatedApiKey> rotate(@PathParam("workspaceId") String workspaceId, @PathParam("keyId") String keyId,
            RoutingContext rc) {
        return service.rotate(WorkspaceRole.caller(identity), workspaceId, keyId, AuditContext.of(identity, rc));
    }
}

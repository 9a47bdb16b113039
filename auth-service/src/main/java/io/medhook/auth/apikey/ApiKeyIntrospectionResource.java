package io.medhook.auth.apikey;

import io.medhook.common.problem.MedhookException;
import io.medhook.common.security.Claims;
import io.medhook.common.security.MedhookPrincipal;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/**
 * API-key introspection for the other services (their {@code HttpApiKeyVerifier}): service tokens for the
 * {@code medhook-auth} audience only. Answers from the database every time; callers cache for at most 5 seconds.
 */
@Path("/api/v1/auth/api-keys/introspect")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "bearer")
public class ApiKeyIntrospectionResource {

    private final ApiKeyService service;
    private final SecurityIdentity identity;

    public ApiKeyIntrospectionResource(ApiKeyService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed("service")
    @Operation(summary = "Introspect an API key: {active:false} or {active:true, principal:{subject, kind, name, workspaces, expiresAt}}")
    @APIResponse(responseCode = "200", description = "The answer; unknown, revoked and expired keys are active:false")
    @APIResponse(responseCode = "400", description = "No key")
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "Not a service token for medhook-auth")
    public Uni<IntrospectionResponse> introspect(@Valid @NotNull IntrospectionRequest request,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return service.introspect(request.key(), callingService(authorization));
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed("service")
    @Operation(summary = "Introspect an API key sent as the form field 'key'")
    public Uni<IntrospectionResponse> introspectForm(@FormParam("key") String key,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        String via = callingService(authorization);
        if (key == null || key.isBlank() || key.length() > 256) {
            throw MedhookException.badRequest("The form field 'key' is required");
        }
        return service.introspect(key, via);
    }

    /**
     * The caller must be a service whose token names {@code medhook-auth} as audience (auth-service also accepts
     * {@code medhook-api}, the audience of user tokens). The token is already verified; only its audience is read here,
     * because the principal model does not carry it.
     */
    private String callingService(String authorization) {
        MedhookPrincipal p = WorkspaceRole.caller(identity);
        if (p.kind() != MedhookPrincipal.Kind.SERVICE || !audienceIsAuth(authorization)) {
            throw MedhookException.forbidden("Only service tokens for " + Claims.AUD_AUTH + " may introspect API keys");
        }
        return p.subject();
    }

    static boolean audienceIsAuth(String authorization) {
        try {
            String token = authorization.substring("Bearer ".length()).trim();
            String[] parts = token.split("\\.");
            JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]),
                    StandardCharsets.UTF_8));
            Object aud = claims.getValue("aud");
            if (aud instanceof String s) {
                return Claims.AUD_AUTH.equals(s);
            }
            return aud instanceof JsonArray a && a.contains(Claims.AUD_AUTH);
        } catch (RuntimeException e) {
            return false;
        }
    }
}

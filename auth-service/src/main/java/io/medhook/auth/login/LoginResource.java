package io.medhook.auth.login;

import io.medhook.auth.oidc.SessionCookies;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.security.MedhookPrincipal;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

@Path("/api/v1/auth")
@Produces(MediaType.APPLICATION_JSON)
public class LoginResource {

    /** The caller as its token describes it. */
    public record Me(String id, String kind, String name, Set<String> roles, Map<String, String> workspaces) {
    }

    private final LoginService service;
    private final SecurityIdentity identity;

    public LoginResource(LoginService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Password login of a local user (the bootstrap admin); returns a 2-hour access token")
    @APIResponse(responseCode = "200", description = "{access_token, token_type: Bearer, expires_in: 7200}")
    @APIResponse(responseCode = "400", description = "Malformed body")
    @APIResponse(responseCode = "401", description = "Invalid username or password")
    public Uni<AccessTokenResponse> login(@Valid @NotNull LoginRequest request, RoutingContext rc) {
        return service.login(request, AuditContext.of(new AuditEvent.Actor("anonymous", null, null), rc));
    }

    @POST
    @Path("/logout")
    @Authenticated
    @Operation(summary = "End the caller's session (cookie or bearer); the browser's session cookies are cleared")
    @APIResponse(responseCode = "204", description = "Session ended")
    @APIResponse(responseCode = "401", description = "No valid token")
    public Uni<Response> logout(RoutingContext rc) {
        return service.logout(WorkspaceRole.caller(identity), AuditContext.of(identity, rc)).map(x -> {
            Response.ResponseBuilder r = Response.noContent();
            SessionCookies.cleared().forEach(c -> r.header("Set-Cookie", c));
            return r.build();
        });
    }

    @GET
    @Path("/me")
    @Authenticated
    @Operation(summary = "The caller's identity as carried by its token")
    public Me me() {
        MedhookPrincipal p = WorkspaceRole.caller(identity);
        return new Me(p.subject(), p.kind().claim(), p.name(), p.roles(), p.workspaces());
    }
}

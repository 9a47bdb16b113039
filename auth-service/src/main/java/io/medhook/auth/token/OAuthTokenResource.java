package io.medhook.auth.token;

import io.medhook.auth.AuthConfig;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for service-to-service calls. Client authentication by HTTP Basic
 * or form parameters; the requested {@code audience} (or RFC 8707 {@code resource}) must be one the client is allowed.
 * Errors are problem+json that also carry RFC 6749's {@code error} member.
 * <p>
 * Non-blocking: the grant runs on the event loop (form parsing, client check against {@link ClientSecrets}' cached
 * digests, RS256 signing of about 1.5 ms CPU). As a blocking method its body was handed from the event loop to a worker
 * thread through a blocking input stream, the largest cost after the signature in a profile. Only a client whose secret
 * digest is not cached is read from the secrets interface, on a worker thread.
 */
@Path("/oauth2/token")
public class OAuthTokenResource {

    /** The token response of RFC 6749 §5.1. */
    public record TokenResponse(String access_token, String token_type, long expires_in) {
    }

    private final AuthConfig config;
    private final ClientSecrets clientSecrets;
    private final TokenIssuer issuer;

    public OAuthTokenResource(AuthConfig config, ClientSecrets clientSecrets, TokenIssuer issuer) {
        this.config = config;
        this.clientSecrets = clientSecrets;
        this.issuer = issuer;
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Client-credentials grant: a short-lived service token for one audience")
    @APIResponse(responseCode = "200", description = "Token issued")
    @APIResponse(responseCode = "400", description = "invalid_request, unsupported_grant_type or invalid_target")
    @APIResponse(responseCode = "401", description = "invalid_client")
    public Uni<TokenResponse> token(@HeaderParam("Authorization") String authorization,
            @FormParam("grant_type") String grantType, @FormParam("client_id") String formClientId,
            @FormParam("client_secret") String formClientSecret, @FormParam("audience") String audience,
            @FormParam("resource") String resource) {
        if (grantType == null || grantType.isBlank()) {
            throw oauth(ErrorKind.BAD_REQUEST, "invalid_request", "grant_type is required");
        }
        if (!"client_credentials".equals(grantType)) {
            throw oauth(ErrorKind.BAD_REQUEST, "unsupported_grant_type", "Only client_credentials is supported here");
        }
        String clientId = formClientId;
        String clientSecret = formClientSecret;
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                        StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon > 0) {
                    clientId = java.net.URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
                    clientSecret = java.net.URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
                }
            } catch (IllegalArgumentException e) {
                throw oauth(ErrorKind.UNAUTHORIZED, "invalid_client", "Client authentication failed");
            }
        }
        if (clientId == null || clientSecret == null) {
            throw oauth(ErrorKind.UNAUTHORIZED, "invalid_client", "Client authentication failed");
        }
        String id = clientId;
        return clientSecrets.matches(clientId, clientSecret).map(authenticated -> {
            if (!authenticated) {
                throw oauth(ErrorKind.UNAUTHORIZED, "invalid_client", "Client authentication failed");
            }
            String aud = audience != null ? audience : resource;
            if (aud == null || aud.isBlank()) {
                throw oauth(ErrorKind.BAD_REQUEST, "invalid_request", "audience is required");
            }
            if (!config.clients().get(id).audiences().contains(aud)) {
                throw oauth(ErrorKind.BAD_REQUEST, "invalid_target", "This client may not request that audience");
            }
            TokenIssuer.Issued t = issuer.service(id, aud);
            return new TokenResponse(t.token(), "Bearer", t.expiresIn());
        });
    }

    private static MedhookException oauth(ErrorKind kind, String error, String description) {
        return new MedhookException(kind, description, Map.of("error", error, "error_description", description));
    }
}

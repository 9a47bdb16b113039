package io.medhook.auth.token;

import io.medhook.auth.AuthConfig;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.secrets.SecretStore;
import io.medhook.common.security.HttpServiceTokens;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for service-to-service calls. Client authentication by HTTP Basic
 * or form parameters; the requested {@code audience} (or RFC 8707 {@code resource}) must be one the client is allowed.
 * Errors are problem+json that also carry RFC 6749's {@code error} member.
 */
@Path("/oauth2/token")
public class OAuthTokenResource {

    /** The token response of RFC 6749 §5.1. */
    public record TokenResponse(String access_token, String token_type, long expires_in) {
    }

    private final AuthConfig config;
    private final SecretStore secrets;
    private final TokenIssuer issuer;

    public OAuthTokenResource(AuthConfig config, SecretStore secrets, TokenIssuer issuer) {
        this.config = config;
        this.secrets = secrets;
        this.issuer = issuer;
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Client-credentials grant: a short-lived service token for one audience")
    @APIResponse(responseCode = "200", description = "Token issued")
    @APIResponse(responseCode = "400", description = "invalid_request, unsupported_grant_type or invalid_target")
    @APIResponse(responseCode = "401", description = "invalid_client")
    public TokenResponse token(@HeaderParam("Authorization") String authorization,
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
        AuthConfig.Client client = config.clients().get(clientId);
        String expected = client == null ? null
                : secrets.getOrCreate(HttpServiceTokens.secretName(clientId), HttpServiceTokens::newSecret);
        if (!constantTimeEquals(expected, clientSecret)) {
            throw oauth(ErrorKind.UNAUTHORIZED, "invalid_client", "Client authentication failed");
        }
        String aud = audience != null ? audience : resource;
        if (aud == null || aud.isBlank()) {
            throw oauth(ErrorKind.BAD_REQUEST, "invalid_request", "audience is required");
        }
        if (!client.audiences().contains(aud)) {
            throw oauth(ErrorKind.BAD_REQUEST, "invalid_target", "This client may not request that audience");
        }
        TokenIssuer.Issued t = issuer.service(clientId, aud);
        return new TokenResponse(t.token(), "Bearer", t.expiresIn());
    }

    /** Compares SHA-256 digests so neither length nor content leaks through timing. */
    static boolean constantTimeEquals(String expected, String given) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] a = md.digest((expected == null ? "\u0000no-client" : expected).getBytes(StandardCharsets.UTF_8));
            byte[] b = MessageDigest.getInstance("SHA-256").digest(given.getBytes(StandardCharsets.UTF_8));
            return MessageDigest.isEqual(a, b) && expected != null;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MedhookException oauth(ErrorKind kind, String error, String description) {
        return new MedhookException(kind, description, Map.of("error", error, "error_description", description));
    }
}

package io.medhook.common.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the credential of a request: the {@code Authorization: Bearer} header (a JWT or an API key), else the
 * browser's {@code medhook_session} cookie. A state-changing request carried by the cookie must also send
 * {@code X-CSRF-Token} equal to the {@code medhook_csrf} cookie (double-submit; constant-time compare). Requests
 * without a credential stay anonymous (endpoints decide whether that is allowed); a malformed one fails.
 */
@ApplicationScoped
public class MedhookAuthMechanism implements HttpAuthenticationMechanism {

    public static final String SESSION_COOKIE = "medhook_session";
    public static final String CSRF_COOKIE = "medhook_csrf";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final String BEARER = "bearer ";
    private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);
    private static final int MIN_CSRF_LENGTH = 32;

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        String header = context.request().getHeader(HttpHeaders.AUTHORIZATION);
        String token;
        if (header != null) {
            if (header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                return Uni.createFrom().failure(new AuthenticationFailedException("not a bearer token"));
            }
            token = header.substring(BEARER.length()).trim();
        } else {
            Cookie session = context.request().getCookie(SESSION_COOKIE);
            if (session == null || session.getValue().isEmpty()) {
                return Uni.createFrom().optional(Optional.empty());
            }
            token = session.getValue();
            if (token.startsWith(ApiKeyVerifier.PREFIX)) {
                return Uni.createFrom().failure(new AuthenticationFailedException("not a session token"));
            }
            if (!SAFE.contains(context.request().method()) && !csrfTokenMatches(context)) {
                return Uni.createFrom().failure(new AuthenticationFailedException("CSRF token missing or wrong"));
            }
        }
        MedhookTokenRequest request = new MedhookTokenRequest(token);
        HttpSecurityUtils.setRoutingContextAttribute(request, context);
        return identityProviderManager.authenticate(request);
    }

    static boolean csrfTokenMatches(RoutingContext context) {
        Cookie cookie = context.request().getCookie(CSRF_COOKIE);
        String header = context.request().getHeader(CSRF_HEADER);
        return cookie != null && header != null && cookie.getValue().length() >= MIN_CSRF_LENGTH
                && MessageDigest.isEqual(cookie.getValue().getBytes(StandardCharsets.UTF_8),
                        header.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer"));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(MedhookTokenRequest.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        if (context.request().getHeader(HttpHeaders.AUTHORIZATION) == null
                && context.request().getCookie(SESSION_COOKIE) != null) {
            return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.COOKIE, SESSION_COOKIE));
        }
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.AUTHORIZATION, "bearer"));
    }
}

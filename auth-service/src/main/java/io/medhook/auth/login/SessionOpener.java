package io.medhook.auth.login;

import io.medhook.auth.AuthConfig;
import io.medhook.auth.token.TokenIssuer;
import io.medhook.auth.user.User;
import io.medhook.auth.workspace.Membership;
import io.medhook.common.Ids;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.HibernateAuditOutbox;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Opens a login session for an authenticated user and issues its access token, whatever the login method (password,
 * OIDC): session row, audit event and token claims (roles and workspace memberships from the database). Runs inside
 * the caller's transaction.
 */
@ApplicationScoped
public class SessionOpener {

    /** The opened session and the token issued for it. */
    public record Opened(String sessionId, String token, long expiresIn) {
    }

    private final AuthConfig config;
    private final TokenIssuer issuer;

    public SessionOpener(AuthConfig config, TokenIssuer issuer) {
        this.config = config;
        this.issuer = issuer;
    }

    /** The user as the actor of its own login's audit events. */
    public static AuditContext asUser(User user, AuditContext ctx) {
        return new AuditContext(new AuditEvent.Actor("user", user.id.toString(), user.username), ctx.requestId(),
                ctx.sourceAddress(), ctx.userAgent());
    }

    public Uni<Opened> open(User user, AuditContext ctx, Map<String, Object> loginDetails) {
        LoginSession s = new LoginSession();
        s.id = Ids.uuidV7();
        s.userId = user.id;
        s.createdAt = Instant.now();
        s.expiresAt = s.createdAt.plus(config.accessTokenLifetime());
        s.sourceAddress = ctx.sourceAddress();
        return s.persist()
                .chain(() -> Membership.<Membership>list("userId", user.id))
                .call(() -> Panache.getSession().chain(session -> HibernateAuditOutbox.append(session,
                        AuditEvent.of(asUser(user, ctx), "auth.login", "session", s.id.toString(), null,
                                AuditEvent.Outcome.success,
                                loginDetails == null ? null : Map.of("after", loginDetails)))))
                .map(memberships -> {
                    Map<String, String> ws = new LinkedHashMap<>();
                    for (Membership m : memberships) {
                        ws.put(m.workspaceId.toString(), m.role);
                    }
                    List<String> roles = user.owner ? List.of("owner") : List.of();
                    TokenIssuer.Issued t = issuer.user(user.id.toString(), user.username, s.id.toString(), roles, ws);
                    return new Opened(s.id.toString(), t.token(), t.expiresIn());
                });
    }
}

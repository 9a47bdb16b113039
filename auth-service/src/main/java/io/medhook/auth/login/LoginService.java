package io.medhook.auth.login;

import io.medhook.auth.AuthConfig;
import io.medhook.auth.user.PasswordHasher;
import io.medhook.auth.user.User;
import io.medhook.auth.session.SessionRevoker;
import io.medhook.auth.user.UserRepository;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.HibernateAuditOutbox;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.security.MedhookPrincipal;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.UUID;

/** Password login of local users, sessions and logout. */
@ApplicationScoped
public class LoginService {

    private final UserRepository users;
    private final AuthConfig config;
    private final Vertx vertx;
    private final SessionRevoker revoker;
    private final LoginThrottle throttle;
    private final SessionOpener opener;

    public LoginService(UserRepository users, AuthConfig config, Vertx vertx,
            SessionRevoker revoker, LoginThrottle throttle, SessionOpener opener) {
        this.throttle = throttle;
        this.opener = opener;
        this.users = users;
        this.config = config;
        this.vertx = vertx;
        this.revoker = revoker;
    }

    public Uni<AccessTokenResponse> login(LoginRequest req, AuditContext ctx) {
        return throttle.check(req.username(), ctx.sourceAddress())
                .onFailure(MedhookException.class).call(tooMany -> auditFailure(req.username(), ctx, "throttled"))
                .chain(() -> Panache.withSession(() -> users.findByUsername(req.username())))
                // Argon2id is CPU-bound: off the event loop; unknown users cost the same (dummy hash)
                .chain(user -> vertx.executeBlocking(Uni.createFrom().item(() -> PasswordHasher.verify(req.password(),
                        user == null ? null : user.passwordHash))).map(ok -> ok ? user : null)
                        .map(u -> u != null && !u.disabled && (!u.bootstrap || config.bootstrap().adminEnabled())
                                ? u : null))
                .chain(user -> {
                    if (user == null) {
                        return throttle.failed(req.username(), ctx.sourceAddress())
                                .chain(() -> auditFailure(req.username(), ctx, "invalid credentials"))
                                .chain(() -> Uni.createFrom().failure(
                                        MedhookException.unauthorized("Invalid username or password")));
                    }
                    return throttle.succeeded(req.username()).chain(() -> openSession(user, ctx));
                });
    }

    private Uni<Void> auditFailure(String username, AuditContext ctx, String reason) {
        AuditContext anon = new AuditContext(new AuditEvent.Actor("anonymous", null, truncate(username)),
                ctx.requestId(), ctx.sourceAddress(), ctx.userAgent());
        return Panache.withTransaction(() -> Panache.getSession().chain(s -> HibernateAuditOutbox.append(s,
                AuditEvent.of(anon, "auth.login", "user", null, null, AuditEvent.Outcome.failure,
                        Map.of("after", Map.of("reason", reason))))));
    }

    private Uni<AccessTokenResponse> openSession(User user, AuditContext ctx) {
        return Panache.withTransaction(() -> opener.open(user, ctx, Map.of("method", "password")))
                .map(o -> new AccessTokenResponse(o.token(), "Bearer", o.expiresIn()));
    }

    /** Ends the caller's session; every service refuses its tokens within seconds. */
    public Uni<Void> logout(MedhookPrincipal caller, AuditContext ctx) {
        if (caller.sessionId() == null) {
            return Uni.createFrom().failure(MedhookException.badRequest("This credential has no session"));
        }
        UUID sid = UUID.fromString(caller.sessionId());
        return Panache.withTransaction(() -> LoginSession.<LoginSession>findById(sid).chain(s -> {
            if (s == null || !s.userId.toString().equals(caller.subject())) {
                throw MedhookException.notFound("Session");
            }
            return revoker.revoke(s, "logout", ctx);
        })).replaceWithVoid();
    }

    private static String truncate(String s) {
        return s == null ? null : s.length() > 64 ? s.substring(0, 64) : s;
    }
}

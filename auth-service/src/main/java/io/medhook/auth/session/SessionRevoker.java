package io.medhook.auth.session;

import io.medhook.auth.login.LoginSession;
import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.HibernateAuditOutbox;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Revokes sessions: marks them revoked and publishes them in the revocation feed, with an audit event, inside the
 * caller's transaction. Every service drops the tokens of a revoked session within seconds.
 */
@ApplicationScoped
public class SessionRevoker {

    /**
     * Revokes one session (no-op when already revoked); returns whether it changed anything. Audited as
     * {@code auth.logout} when the {@code reason} is {@code logout} (the user ended it), else {@code session.revoke}.
     */
    public Uni<Boolean> revoke(LoginSession s, String reason, AuditContext audit) {
        if (s.revokedAt != null || s.expiresAt.isBefore(Instant.now())) {
            return Uni.createFrom().item(false);
        }
        s.revokedAt = Instant.now();
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "insert into revocation (session_id, user_id, reason, expires_at) values (:sid, :uid, :reason, :exp)")
                .setParameter("sid", s.id).setParameter("uid", s.userId).setParameter("reason", reason)
                .setParameter("exp", s.expiresAt).executeUpdate()
                .chain(() -> HibernateAuditOutbox.append(session, AuditEvent.of(audit,
                        "logout".equals(reason) ? "auth.logout" : "session.revoke", "session",
                        s.id.toString(), null, AuditEvent.Outcome.success,
                        AuditChange.created(new RevocationAudit(s.userId.toString(), true, reason))))))
                .replaceWith(true);
    }

    /** Revokes every live session of a user (disabled, demoted, memberships changed); returns how many. */
    public Uni<Integer> revokeAll(UUID userId, String reason, AuditContext audit) {
        return LoginSession.<LoginSession>list("userId = ?1 and revokedAt is null and expiresAt > ?2", userId,
                Instant.now())
                .chain(sessions -> sessions.isEmpty() ? Uni.createFrom().item(List.<Boolean>of())
                        : Multi.createFrom().iterable(sessions)
                                .onItem().transformToUniAndConcatenate(s -> revoke(s, reason, audit))
                                .collect().asList())
                .map(List::size);
    }
}

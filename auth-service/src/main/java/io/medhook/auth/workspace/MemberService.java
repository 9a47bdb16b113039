package io.medhook.auth.workspace;

import io.medhook.auth.access.Access;
import io.medhook.auth.session.SessionRevoker;
import io.medhook.auth.user.User;
import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.HibernateAuditOutbox;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.security.MedhookPrincipal;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Workspace memberships, managed by the workspace's admins (or owners). A changed or removed membership revokes the
 * member's sessions, because their tokens carry the old roles.
 */
@ApplicationScoped
public class MemberService {

    /** A member as admins see it. */
    public record MemberView(String userId, String username, String role, Instant since) {
    }

    private final Access access;
    private final SessionRevoker revoker;

    public MemberService(Access access, SessionRevoker revoker) {
        this.access = access;
        this.revoker = revoker;
    }

    public Uni<List<MemberView>> list(MedhookPrincipal caller, UUID ws) {
        return Panache.withSession(() -> access.requireWorkspaceAdmin(caller, ws)
                .chain(() -> Panache.getSession()).chain(s -> s.createQuery(
                        "select m, u from Membership m, User u where u.id = m.userId and m.workspaceId = :ws "
                                + "order by u.username", Object[].class).setParameter("ws", ws).getResultList()))
                .map(rows -> rows.stream().map(r -> {
                    Membership m = (Membership) r[0];
                    User u = (User) r[1];
                    return new MemberView(u.id.toString(), u.username, m.role, m.createdAt);
                }).toList());
    }

    /** Adds a member or changes their role. */
    public Uni<MemberView> put(MedhookPrincipal caller, UUID ws, UUID userId, String role, AuditContext audit) {
        return Panache.withTransaction(() -> access.requireWorkspaceAdmin(caller, ws)
                .chain(() -> User.<User>findById(userId))
                .chain(u -> {
                    if (u == null) {
                        throw MedhookException.notFound("User");
                    }
                    return Membership.<Membership>find("userId = ?1 and workspaceId = ?2", userId, ws).firstResult()
                            .chain(m -> {
                                MembershipAudit before = m == null ? null : new MembershipAudit(m.role);
                                Membership target = m;
                                if (target == null) {
                                    target = new Membership();
                                    target.userId = userId;
                                    target.workspaceId = ws;
                                    target.createdAt = Instant.now();
                                } else if (role.equals(target.role)) {
                                    return Uni.createFrom().item(new MemberView(u.id.toString(), u.username,
                                            target.role, target.createdAt));
                                }
                                target.role = role;
                                Membership saved = target;
                                String action = m == null ? "membership.create" : "membership.role.change";
                                return saved.persist()
                                        .chain(() -> Panache.getSession())
                                        .chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(audit, action,
                                                "membership", userId + ":" + ws, ws.toString(),
                                                AuditEvent.Outcome.success,
                                                before == null ? AuditChange.created(new MembershipAudit(role))
                                                        : AuditChange.updated(before, new MembershipAudit(role)))))
                                        .chain(() -> m == null ? Uni.createFrom().item(0)
                                                : revoker.revokeAll(userId, "role changed", audit))
                                        .replaceWith(new MemberView(u.id.toString(), u.username, role,
                                                saved.createdAt));
                            });
                }));
    }

    public Uni<Void> remove(MedhookPrincipal caller, UUID ws, UUID userId, AuditContext audit) {
        return Panache.withTransaction(() -> access.requireWorkspaceAdmin(caller, ws)
                .chain(() -> Membership.<Membership>find("userId = ?1 and workspaceId = ?2", userId, ws)
                        .<Membership>firstResult())
                .chain((Membership m) -> {
                    if (m == null) {
                        throw MedhookException.notFound("Member");
                    }
                    if (userId.toString().equals(caller.subject())) {
                        throw MedhookException.conflict("Admins cannot remove themselves");
                    }
                    return m.delete()
                            .chain(() -> Panache.getSession())
                            .chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(audit, "membership.delete",
                                    "membership", userId + ":" + ws, ws.toString(), AuditEvent.Outcome.success,
                                    AuditChange.deleted(new MembershipAudit(m.role)))))
                            .chain(() -> revoker.revokeAll(userId, "membership removed", audit));
                })).replaceWithVoid();
    }
}

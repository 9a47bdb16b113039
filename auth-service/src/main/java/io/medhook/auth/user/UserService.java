package io.medhook.auth.user;

import io.medhook.auth.access.Access;
import io.medhook.auth.session.SessionRevoker;
import io.medhook.common.Ids;
import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.HibernateAuditOutbox;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.security.MedhookPrincipal;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Users, managed by instance owners. Disabling or demoting a user revokes all of their sessions at once. */
@ApplicationScoped
public class UserService {

    private final Access access;
    private final UserRepository users;
    private final SessionRevoker revoker;
    private final Vertx vertx;

    public UserService(Access access, UserRepository users, SessionRevoker revoker, Vertx vertx) {
        this.access = access;
        this.users = users;
        this.revoker = revoker;
        this.vertx = vertx;
    }

    public Uni<List<UserView>> list(MedhookPrincipal caller) {
        return Panache.withSession(() -> access.requireOwner(caller)
                .chain(() -> users.listAll(io.quarkus.panache.common.Sort.by("username"))))
                .map(all -> all.stream().map(UserView::of).toList());
    }

    public Uni<UserView> create(MedhookPrincipal caller, UserRequests.Create req, AuditContext audit) {
        return vertx.executeBlocking(Uni.createFrom().item(() -> PasswordHasher.hash(req.password())))
                .chain(hash -> Panache.withTransaction(() -> access.requireOwner(caller)
                        .chain(() -> users.findByUsername(req.username()))
                        .chain(existing -> {
                            if (existing != null) {
                                throw MedhookException.conflict("A user with this username exists");
                            }
                            User u = new User();
                            u.id = Ids.uuidV7();
                            u.username = req.username();
                            u.displayName = req.displayName() == null ? req.username() : req.displayName();
                            u.passwordHash = hash;
                            u.createdAt = Instant.now();
                            u.updatedAt = u.createdAt;
                            return u.<User>persist().call(() -> Panache.getSession().chain(s ->
                                    HibernateAuditOutbox.append(s, AuditEvent.of(audit, "user.create", "user",
                                            u.id.toString(), null, AuditEvent.Outcome.success,
                                            AuditChange.created(UserAudit.of(u))))));
                        })))
                .map(UserView::of);
    }

    public Uni<UserView> update(MedhookPrincipal caller, UUID id, UserRequests.Update req, AuditContext audit) {
        return Panache.withTransaction(() -> access.requireOwner(caller)
                .chain(() -> users.findById(id))
                .chain(u -> {
                    if (u == null) {
                        throw MedhookException.notFound("User");
                    }
                    if (u.id.toString().equals(caller.subject())
                            && (Boolean.TRUE.equals(req.disabled()) || Boolean.FALSE.equals(req.owner()))) {
                        throw MedhookException.conflict("Owners cannot disable or demote themselves");
                    }
                    UserAudit before = UserAudit.of(u);
                    if (req.disabled() != null) {
                        u.disabled = req.disabled();
                    }
                    if (req.owner() != null) {
                        u.owner = req.owner();
                    }
                    if (req.displayName() != null) {
                        u.displayName = req.displayName();
                    }
                    UserAudit after = UserAudit.of(u);
                    if (!AuditChange.differ(before, after)) {
                        return Uni.createFrom().item(u);
                    }
                    u.updatedAt = Instant.now();
                    boolean disabled = after.disabled() && !before.disabled();
                    boolean demoted = before.owner() && !after.owner();
                    String reason = disabled ? "user disabled" : "user demoted";
                    boolean revokeSessions = disabled || demoted;
                    return Panache.getSession()
                            .chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(audit,
                                    before.owner() != after.owner() ? "user.role.change" : "user.update", "user",
                                    u.id.toString(), null, AuditEvent.Outcome.success,
                                    AuditChange.updated(before, after))))
                            .chain(() -> revokeSessions ? revoker.revokeAll(u.id, reason, audit)
                                    : Uni.createFrom().item(0))
                            .replaceWith(u);
                }))
                .map(UserView::of);
    }
}

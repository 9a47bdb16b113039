package io.medhook.auth.workspace;

import io.medhook.auth.user.User;
import io.medhook.common.Ids;
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

@ApplicationScoped
public class WorkspaceService {

    private final WorkspaceRepository workspaces;

    public WorkspaceService(WorkspaceRepository workspaces) {
        this.workspaces = workspaces;
    }

    /** The caller's workspaces, from the database (not from the token), so changes show at once. */
    public Uni<List<WorkspaceView>> listFor(MedhookPrincipal caller) {
        UUID userId = parseUser(caller);
        return Panache.withSession(() -> workspaces.withRoles(userId))
                .map(rows -> rows.stream().map(r -> WorkspaceView.of((Workspace) r[0], (String) r[1])).toList());
    }

    /** Creates a workspace; the creating owner becomes its admin. */
    public Uni<WorkspaceView> create(MedhookPrincipal caller, CreateWorkspaceRequest req, AuditContext audit) {
        UUID userId = parseUser(caller);
        // the owner role must hold in the database now, not only in the (possibly older) token
        return Panache.withTransaction(() -> User.<User>findById(userId)
                .chain(u -> {
                    if (u == null || !u.owner || u.disabled) {
                        throw MedhookException.forbidden("Only instance owners may create workspaces");
                    }
                    return Workspace.count("lower(name) = lower(?1)", req.name().strip());
                })
                .chain(n -> {
                    if (n > 0) {
                        throw MedhookException.conflict("A workspace with this name exists");
                    }
                    return create(userId, req.name().strip(), req.kind(), audit);
                }))
                .map(w -> WorkspaceView.of(w, "admin"));
    }

    /** Inserts a workspace and an admin membership with its audit event; runs inside the caller's transaction. */
    public Uni<Workspace> create(UUID adminUserId, String name, String kind, AuditContext audit) {
        Workspace w = new Workspace();
        w.id = Ids.uuidV7();
        w.name = name;
        w.kind = kind;
        w.createdAt = Instant.now();
        Membership m = new Membership();
        m.userId = adminUserId;
        m.workspaceId = w.id;
        m.role = "admin";
        m.createdAt = w.createdAt;
        return w.persist().chain(() -> m.persist())
                .chain(() -> Panache.getSession())
                .chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(audit, "workspace.create", "workspace",
                        w.id.toString(), w.id.toString(), AuditEvent.Outcome.success,
                        AuditChange.created(new WorkspaceAudit(name, kind, adminUserId.toString())))))
                .replaceWith(w);
    }

    private static UUID parseUser(MedhookPrincipal caller) {
        if (caller.kind() != MedhookPrincipal.Kind.USER) {
            throw MedhookException.forbidden("Only users have workspaces");
        }
        return UUID.fromString(caller.subject());
    }
}

package io.medhook.auth.access;

import io.medhook.auth.user.User;
import io.medhook.auth.workspace.Membership;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.security.MedhookPrincipal;
import io.medhook.common.security.WorkspaceRole;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * Service-layer checks for privileged operations: the role must be in the caller's token (checked by the route
 * annotations and here) AND in the database at the moment of the call, so a demoted or disabled admin's unexpired token
 * cannot act. Call inside a Panache session or transaction.
 */
@ApplicationScoped
public class Access {

    /** An instance owner, by claim and by database. */
    public Uni<User> requireOwner(MedhookPrincipal caller) {
        if (caller.kind() != MedhookPrincipal.Kind.USER || !caller.hasRole("owner")) {
            return Uni.createFrom().failure(MedhookException.forbidden("This needs the owner role"));
        }
        return User.<User>findById(uuid(caller.subject())).map(u -> {
            if (u == null || !u.owner || u.disabled) {
                throw MedhookException.forbidden("This needs the owner role");
            }
            return u;
        });
    }

    /**
     * An admin of the workspace (or an owner), by claim and by database. Callers who are not members get 404, as if the
     * workspace did not exist; weaker members get 403.
     */
    public Uni<User> requireWorkspaceAdmin(MedhookPrincipal caller, UUID workspaceId) {
        if (caller.kind() != MedhookPrincipal.Kind.USER) {
            return Uni.createFrom().failure(MedhookException.forbidden("Only users administer workspaces"));
        }
        String claimed = caller.workspaceRole(workspaceId.toString());
        boolean claimsOwner = caller.hasRole("owner");
        if (claimed == null && !claimsOwner) {
            return Uni.createFrom().failure(MedhookException.notFound("Workspace"));
        }
        UUID userId = uuid(caller.subject());
        return User.<User>findById(userId).chain(u -> {
            if (u == null || u.disabled) {
                throw MedhookException.forbidden("This account is disabled");
            }
            if (claimsOwner && u.owner) {
                return Uni.createFrom().item(u);
            }
            return Membership.<Membership>find("userId = ?1 and workspaceId = ?2", userId, workspaceId).firstResult()
                    .map(m -> {
                        if (m == null) {
                            throw MedhookException.notFound("Workspace");
                        }
                        if (!"admin".equals(m.role) || !WorkspaceRole.ADMIN.claim().equals(claimed)) {
                            throw MedhookException.forbidden("This needs the admin role in the workspace");
                        }
                        return u;
                    });
        });
    }

    public static UUID uuid(String s) {
        return io.medhook.common.Ids.uuidOrNotFound(s, "Resource");
    }
}

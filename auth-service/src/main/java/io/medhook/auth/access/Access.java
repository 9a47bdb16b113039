package io.medhook.auth.access;

import io.medhook.auth.user.User;
import io.medhook.auth.workspace.Membership;
import io.medhook.auth.workspace.Workspace;
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

    /** A caller confirmed as admin (or owner) of an existing workspace. */
    public record WorkspaceAdmin(User user, Workspace workspace) {
    }

    /**
     * An admin of the workspace (or an instance owner), by claim and by database, in an existing workspace. Callers the
     * token does not make members get 404, as if the workspace did not exist, whatever kind of principal they are;
     * weaker members 403; an owner claim the database does not confirm falls back to the membership rules.
     */
    public Uni<WorkspaceAdmin> requireWorkspaceAdmin(MedhookPrincipal caller, UUID workspaceId) {
        boolean ownerClaim = caller.kind() == MedhookPrincipal.Kind.USER && caller.hasRole("owner");
        try {
            if (!ownerClaim) {
                requireAdminClaim(caller, workspaceId);
            }
            if (caller.kind() != MedhookPrincipal.Kind.USER) {
                throw MedhookException.forbidden("Only users administer workspaces");
            }
        } catch (MedhookException e) {
            return Uni.createFrom().failure(e);
        }
        UUID userId = uuid(caller.subject());
        return User.<User>findById(userId)
                .chain(u -> Membership.<Membership>find("userId = ?1 and workspaceId = ?2", userId, workspaceId)
                        .<Membership>firstResult()
                        .chain(m -> Workspace.<Workspace>findById(workspaceId).map(w -> {
                            if (u != null && u.disabled) {
                                throw MedhookException.forbidden("This account is disabled");
                            }
                            if (w != null && u != null && u.owner && ownerClaim) {
                                return new WorkspaceAdmin(u, w);
                            }
                            if (w == null || u == null || m == null) {
                                throw MedhookException.notFound("Workspace");
                            }
                            requireAdminClaim(caller, workspaceId);
                            if (!WorkspaceRole.ADMIN.claim().equals(m.role)) {
                                throw MedhookException.forbidden("This needs the admin role in the workspace");
                            }
                            return new WorkspaceAdmin(u, w);
                        })));
    }

    /** The token side of the admin check: 404 for non-members, 403 for weaker or unknown roles. */
    private static void requireAdminClaim(MedhookPrincipal caller, UUID workspaceId) {
        String held = caller.workspaceRole(workspaceId.toString());
        if (held == null) {
            throw MedhookException.notFound("Workspace");
        }
        if (!WorkspaceRole.ADMIN.claim().equals(held)) {
            throw MedhookException.forbidden("This needs the admin role in the workspace");
        }
    }

    public static UUID uuid(String s) {
        return io.medhook.common.Ids.uuidOrNotFound(s, "Resource");
    }
}

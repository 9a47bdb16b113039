package io.medhook.common.security;

import io.medhook.common.problem.MedhookException;
import io.quarkus.security.identity.SecurityIdentity;
import java.util.Locale;

/**
 * Roles inside a workspace. {@code admin} ⊃ {@code editor} ⊃ {@code viewer}; {@code auditor} reads the audit log and
 * nothing else.
 */
public enum WorkspaceRole {
    VIEWER(1), EDITOR(2), ADMIN(3), AUDITOR(0);

    private final int rank;

    WorkspaceRole(int rank) {
        this.rank = rank;
    }

    public String claim() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static WorkspaceRole fromClaim(String v) {
        return v == null ? null : valueOf(v.toUpperCase(Locale.ROOT));
    }

    /** Whether a member holding this role may do what needs {@code needed}. */
    public boolean satisfies(WorkspaceRole needed) {
        if (needed == AUDITOR) {
            return this == AUDITOR || this == ADMIN;
        }
        return this != AUDITOR && rank >= needed.rank;
    }

    /** The caller's principal; 401 when the request is anonymous. */
    public static MedhookPrincipal caller(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous() || !(identity.getPrincipal() instanceof MedhookPrincipal p)) {
            throw MedhookException.unauthorized("Authentication required");
        }
        return p;
    }

    /**
     * Checks that the caller may act in a workspace with at least {@code needed}. Non-members get 404, as if the
     * workspace did not exist; members with too weak a role get 403.
     */
    public static MedhookPrincipal require(SecurityIdentity identity, String workspaceId, WorkspaceRole needed) {
        MedhookPrincipal p = caller(identity);
        String held = p.workspaceRole(workspaceId);
        if (held == null) {
            throw MedhookException.notFound("Workspace");
        }
        WorkspaceRole role;
        try {
            role = fromClaim(held);
        } catch (IllegalArgumentException e) {
            throw MedhookException.forbidden("Unknown workspace role");
        }
        if (!role.satisfies(needed)) {
            throw MedhookException.forbidden("This needs the " + needed.claim() + " role in the workspace");
        }
        return p;
    }
}

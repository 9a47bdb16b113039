package io.medhook.common.security;

import java.security.Principal;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * The one principal model every service sees, whatever the credential was.
 *
 * @param subject user id, or client id for services
 * @param kind who is calling
 * @param name display name (username or client id); never PHI
 * @param sessionId the login session for users, else null
 * @param roles instance-level roles ({@code owner}) or, for services, {@code service}
 * @param workspaces workspace id to role ({@code admin}, {@code editor}, {@code viewer}, {@code auditor})
 * @param tokenId the token's {@code jti}
 * @param expiresAt when the credential expires
 */
public record MedhookPrincipal(String subject, Kind kind, String name, String sessionId, Set<String> roles,
        Map<String, String> workspaces, String tokenId, Instant expiresAt) implements Principal {

    public enum Kind {
        USER, SERVICE, API_KEY;

        public String claim() {
            return name().toLowerCase().replace('_', '-');
        }

        public static Kind fromClaim(String v) {
            for (Kind k : values()) {
                if (k.claim().equals(v)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown principal kind");
        }
    }

    @Override
    public String getName() {
        return subject;
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }

    /** The caller's role in a workspace, or null when it is not a member. */
    public String workspaceRole(String workspaceId) {
        return workspaceId == null ? null : workspaces.get(workspaceId);
    }
}

package io.medhook.audit.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.security.Claims;
import io.medhook.common.security.MedhookPrincipal;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who may write and read the audit log, checked in the service layer beside the route annotations.
 * <ul>
 * <li>Ingest: service principals whose token is meant for audit-service (audience {@code medhook-audit}). A service
 * token for another audience that this service also accepts ({@code medhook-api}) is refused with 403.</li>
 * <li>Read (list, verify): user principals only. The instance {@code owner} sees every event; an {@code admin} or
 * {@code auditor} of a workspace sees that workspace's events; events without a workspace are the owner's alone.
 * Anyone else gets 403. Asking for a workspace the caller is not a member of gets 404 (workspaces of others are
 * invisible); a member with a weaker role gets 403.</li>
 * </ul>
 * Roles come from the token (2-hour life); checking them against auth-service's current memberships is a later issue.
 */
@ApplicationScoped
class AuditAccess {

    static final String OWNER = "owner";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a reader may see: every event, or the events of these workspaces. */
    record ReadScope(boolean everything, Set<String> workspaces) {
    }

    void requireIngest(SecurityIdentity identity, String authorization) {
        MedhookPrincipal p = WorkspaceRole.caller(identity);
        if (p.kind() != MedhookPrincipal.Kind.SERVICE || !audiences(authorization).contains(Claims.AUD_AUDIT)) {
            throw MedhookException.forbidden("Only services holding a token for " + Claims.AUD_AUDIT
                    + " may write audit events");
        }
    }

    /** Retention and legal holds: instance owners only. */
    void requireOwner(SecurityIdentity identity) {
        MedhookPrincipal p = WorkspaceRole.caller(identity);
        if (p.kind() != MedhookPrincipal.Kind.USER || !p.hasRole(OWNER)) {
            throw MedhookException.forbidden("Retention and legal holds need the owner role");
        }
    }

    /**
     * The caller's read scope. With {@code workspaceId} the scope is that workspace alone (404 when the caller is not
     * a member of it, 403 when its role there is too weak).
     */
    ReadScope readScope(SecurityIdentity identity, String workspaceId) {
        MedhookPrincipal p = WorkspaceRole.caller(identity);
        if (p.kind() != MedhookPrincipal.Kind.USER) {
            throw MedhookException.forbidden("The audit log is read by users only");
        }
        if (p.hasRole(OWNER)) {
            return new ReadScope(true, Set.of());
        }
        if (workspaceId != null) {
            WorkspaceRole.require(identity, workspaceId, WorkspaceRole.AUDITOR);
            return new ReadScope(false, Set.of(workspaceId));
        }
        Set<String> readable = new TreeSet<>();
        for (Map.Entry<String, String> m : p.workspaces().entrySet()) {
            WorkspaceRole role;
            try {
                role = WorkspaceRole.fromClaim(m.getValue());
            } catch (IllegalArgumentException e) {
                continue; // a role this service does not know grants nothing
            }
            if (role != null && role.satisfies(WorkspaceRole.AUDITOR)) {
                readable.add(m.getKey());
            }
        }
        if (readable.isEmpty()) {
            throw MedhookException.forbidden(
                    "Reading the audit log needs the owner role, or the admin or auditor role in a workspace");
        }
        return new ReadScope(false, Set.copyOf(readable));
    }

    /**
     * The {@code aud} claim of the bearer token that has already been verified for this request. The principal model
     * does not carry the audience, so it is read again from the token's payload (its signature was checked already).
     */
    static Set<String> audiences(String authorization) {
        if (authorization == null) {
            return Set.of();
        }
        try {
            String token = authorization.substring(authorization.indexOf(' ') + 1).trim();
            String[] parts = token.split("\\.", -1);
            JsonNode payload = JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]),
                    StandardCharsets.UTF_8));
            JsonNode aud = payload.get("aud");
            if (aud == null) {
                return Set.of();
            }
            if (aud.isTextual()) {
                return Set.of(aud.asText());
            }
            Set<String> out = new TreeSet<>();
            aud.forEach(a -> out.add(a.asText()));
            return out;
        } catch (Exception e) {
            return Set.of();
        }
    }
}

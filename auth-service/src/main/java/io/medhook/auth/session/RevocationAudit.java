package io.medhook.auth.session;

/**
 * What the audit trail keeps of a session revocation ({@code session.revoke}, through {@code AuditChange}): the
 * revocation entry that every service reads.
 */
public record RevocationAudit(String userId, boolean revoked, String reason) {
}

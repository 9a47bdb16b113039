package io.medhook.auth.session;

/**
 * What the audit trail keeps of a session revocation ({@code session.revoke}, or {@code auth.logout} when the user ended the session; through {@code AuditChange}): the
 * revocation entry that every service reads.
 */
public record RevocationAudit(String userId, boolean revoked, String reason) {
}

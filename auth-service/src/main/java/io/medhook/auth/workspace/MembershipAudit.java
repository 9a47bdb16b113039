package io.medhook.auth.workspace;

/**
 * What the audit trail keeps of a membership ({@code membership.*} events, through {@code AuditChange}); the user and
 * workspace are the event's resource id.
 */
public record MembershipAudit(String role) {
}

package io.medhook.auth.workspace;

/**
 * What the audit trail keeps of a new workspace ({@code workspace.create}, through {@code AuditChange}).
 *
 * @param admin the id of the user who became its first admin
 */
public record WorkspaceAudit(String name, String kind, String admin) {
}

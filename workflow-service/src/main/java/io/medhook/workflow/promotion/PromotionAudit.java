package io.medhook.workflow.promotion;

import io.medhook.common.audit.Sensitive;
import io.medhook.common.audit.Sensitivity;
import java.util.Map;

/**
 * The {@code workflow.promote} audit event's record: where the version came from and where it went, and which
 * credential (and workflow) each reference was mapped to. Ids only, in clear: none of them is a secret or PHI
 * ({@code credentials} maps credential ids to credential ids; the audit guard's name check is a reviewed false alarm).
 */
public record PromotionAudit(String sourceWorkspaceId, String sourceWorkflowId, int sourceVersion,
        String targetWorkspaceId, String targetWorkflowId, int targetVersion, @Sensitive(Sensitivity.CLEAR) Map<String, String> credentials,
        Map<String, String> workflows) {
}

package io.medhook.workflow.delivery;

import io.medhook.common.audit.Sensitive;
import io.medhook.common.audit.Sensitivity;
import java.util.List;
import java.util.Map;

/**
 * What the audit trail keeps of a webhook endpoint ({@code webhook_endpoint.*} events). The URL may carry an opaque
 * token in its path or query and is treated as PHI, header values as secrets; the signing secret is never recorded,
 * only that it changed ({@code signingSecret} holds a per-secret random marker that an event masks).
 */
public record WebhookEndpointAudit(@Sensitive(Sensitivity.PHI) String url, String description,
        List<String> eventTypes, List<String> workflowIds, @Sensitive(Sensitivity.SECRET) Map<String, String> headers,
        boolean enabled, String disabledReason, Integer rateLimit, List<Integer> retrySchedule, int timeoutSeconds,
        int version, @Sensitive(Sensitivity.SECRET) String signingSecret) {
}

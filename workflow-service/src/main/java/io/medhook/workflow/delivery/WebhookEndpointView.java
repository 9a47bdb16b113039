package io.medhook.workflow.delivery;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A webhook endpoint as the API shows it. {@code secret} is present only in the answer to a creation or a rotation:
 * it is never shown again. {@code previousSecretValidUntil}: while set, deliveries carry two signatures.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WebhookEndpointView(String id, String workspaceId, String url, String description,
        List<String> eventTypes, List<String> workflowIds, Map<String, String> headers, boolean enabled,
        String disabledReason, Instant disabledAt, Integer rateLimit, List<Integer> retrySchedule, int timeoutSeconds,
        Instant failingSince, Instant previousSecretValidUntil, int version, Instant createdAt, Instant updatedAt,
        String secret) {

    WebhookEndpointView withSecret(String s) {
        return new WebhookEndpointView(id, workspaceId, url, description, eventTypes, workflowIds, headers, enabled,
                disabledReason, disabledAt, rateLimit, retrySchedule, timeoutSeconds, failingSince,
                previousSecretValidUntil, version, createdAt, updatedAt, s);
    }
}

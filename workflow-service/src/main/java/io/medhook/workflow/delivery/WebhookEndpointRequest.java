package io.medhook.workflow.delivery;

import java.util.List;
import java.util.Map;

/**
 * Creates or updates a webhook endpoint. On update, omitted (null) fields keep their value.
 *
 * @param url where deliveries go: https, or http in a sandbox workspace
 * @param eventTypes event types that feed it ({@code execution.succeeded}, {@code execution.failed}, your own types
 *        for webhook nodes and messages, or {@code *})
 * @param workflowIds workflows whose execution events feed it; empty: all of the workspace
 * @param headers custom request headers (stored in clear: not for secrets)
 * @param rateLimit deliveries per second (per replica); 0 removes the limit
 * @param retrySchedule delays in seconds before each attempt (first = before the first attempt); empty: the default
 * @param timeoutSeconds time limit of one attempt
 */
public record WebhookEndpointRequest(String url, String description, List<String> eventTypes,
        List<String> workflowIds, Map<String, String> headers, Boolean enabled, Integer rateLimit,
        List<Integer> retrySchedule, Integer timeoutSeconds) {
}

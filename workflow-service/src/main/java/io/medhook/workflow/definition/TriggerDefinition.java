package io.medhook.workflow.definition;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How executions start: {@code webhook} (optionally with an inbound {@link Signature} check) or {@code schedule} (a cron
 * expression in a time zone, with a policy for ticks missed while no replica ran).
 *
 * @param type {@code webhook} or {@code schedule}
 * @param signature webhook only: how inbound calls are authenticated beyond the URL token; null for none
 * @param cron schedule only: 5 fields (minute hour day-of-month month day-of-week) or Quartz 6-7 fields (with seconds)
 * @param timeZone schedule only: a region id such as {@code Europe/Berlin}; UTC when null
 * @param missed schedule only: {@code skip} (default) or {@code catch-up}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TriggerDefinition(String type, Signature signature, String cron, String timeZone, String missed) {

    public static TriggerDefinition webhook() {
        return new TriggerDefinition("webhook", null, null, null, null);
    }

    /**
     * An inbound webhook signature check.
     *
     * @param scheme {@code standard-webhooks} or {@code hmac-sha256}
     * @param credentialId a {@code webhook_secret} credential of the workflow's workspace
     * @param header hmac-sha256 only: the header carrying the signature ({@code X-Signature} when null)
     * @param toleranceSeconds standard-webhooks only: accepted clock difference of {@code webhook-timestamp} (300)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Signature(String scheme, String credentialId, String header, Integer toleranceSeconds) {
    }
}

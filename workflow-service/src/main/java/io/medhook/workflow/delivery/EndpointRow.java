package io.medhook.workflow.delivery;

import io.vertx.mutiny.sqlclient.Row;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A stored webhook endpoint (secrets still sealed). */
record EndpointRow(UUID id, UUID workspaceId, String url, String description, List<String> eventTypes,
        List<UUID> workflowIds, Map<String, String> headers, boolean enabled, String disabledReason,
        Instant disabledAt, Integer rateLimit, List<Integer> retrySchedule, int timeoutMs, byte[] secretsEnc,
        Instant previousValidUntil, String dataKeyWrapped, Instant failingSince, int version, Instant createdAt,
        Instant updatedAt) {

    static final String COLUMNS = """
            id, workspace_id, url, description, event_types, workflow_ids, headers::text as headers, enabled,
            disabled_reason, disabled_at, rate_limit, retry_schedule, timeout_ms, secrets_enc, previous_valid_until,
            data_key_wrapped, failing_since, version, created_at, updated_at""";

    @SuppressWarnings("unchecked")
    static EndpointRow of(Row r, com.fasterxml.jackson.databind.ObjectMapper json) {
        Map<String, String> headers;
        try {
            headers = json.readValue(r.getString("headers"), Map.class);
        } catch (Exception e) {
            throw new IllegalStateException("stored endpoint headers are unreadable");
        }
        Integer[] schedule = r.getArrayOfIntegers("retry_schedule");
        return new EndpointRow(r.getUUID("id"), r.getUUID("workspace_id"), r.getString("url"),
                r.getString("description"), Arrays.asList(r.getArrayOfStrings("event_types")),
                Arrays.asList(r.getArrayOfUUIDs("workflow_ids")), headers, r.getBoolean("enabled"),
                r.getString("disabled_reason"), instant(r.getOffsetDateTime("disabled_at")), r.getInteger("rate_limit"),
                schedule == null ? null : Arrays.asList(schedule), r.getInteger("timeout_ms"),
                r.getBuffer("secrets_enc").getBytes(), instant(r.getOffsetDateTime("previous_valid_until")),
                r.getString("data_key_wrapped"), instant(r.getOffsetDateTime("failing_since")),
                r.getInteger("version"), instant(r.getOffsetDateTime("created_at")),
                instant(r.getOffsetDateTime("updated_at")));
    }

    static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    WebhookEndpointView view() {
        return new WebhookEndpointView(id.toString(), workspaceId.toString(), url, description, eventTypes,
                workflowIds.stream().map(UUID::toString).toList(), headers, enabled, disabledReason, disabledAt,
                rateLimit, retrySchedule, timeoutMs / 1000, failingSince, previousValidUntil, version, createdAt,
                updatedAt, null);
    }
}

package io.medhook.workflow.egress;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * The allow-list as it applies: the stored entries (editable) and the environment's (read-only).
 *
 * @param refreshSeconds how long a change takes at most to reach every replica
 */
public record EgressAllowListView(List<String> cidrs, List<String> hosts, Environment environment,
        OffsetDateTime updatedAt, long refreshSeconds) {

    /** Entries from {@code MEDHOOK_EGRESS_ALLOWED_CIDRS}: shown, never changed through the API. */
    public record Environment(String variable, List<String> cidrs, boolean readOnly) {
    }
}

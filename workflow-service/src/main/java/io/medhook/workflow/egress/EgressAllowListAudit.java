package io.medhook.workflow.egress;

import java.util.List;

/** What the audit trail keeps of the stored allow-list ({@code egress.allow-list.update}): every entry, in clear. */
public record EgressAllowListAudit(List<String> cidrs, List<String> hosts) {
}

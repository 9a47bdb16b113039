package io.medhook.workflow.egress;

import java.util.List;

/** The stored allow-list, replaced whole: CIDRs and exact host names. A missing list means empty. */
public record EgressAllowListRequest(List<String> cidrs, List<String> hosts) {
}

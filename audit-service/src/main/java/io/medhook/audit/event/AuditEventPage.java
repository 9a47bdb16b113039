package io.medhook.audit.event;

import java.util.List;

/**
 * One page of events, newest first.
 *
 * @param nextCursor pass as {@code cursor} to get the next (older) page; null on the last page
 */
public record AuditEventPage(List<AuditEventView> items, String nextCursor) {
}

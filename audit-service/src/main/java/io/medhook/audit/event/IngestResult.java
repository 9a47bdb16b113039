package io.medhook.audit.event;

/**
 * Outcome of one batch.
 *
 * @param accepted events appended to the chain
 * @param duplicates events skipped because their id was already stored (or appeared earlier in the same batch)
 */
public record IngestResult(int accepted, int duplicates) {
}

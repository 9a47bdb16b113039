package io.medhook.audit.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.UUID;

/**
 * Result of a chain verification. Intact: {@code events}, {@code firstSeq}, {@code lastSeq}, {@code headHash}. Broken:
 * {@code events} (links checked good before the break) and {@code brokenAt}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VerifyReport(boolean intact, long events, Long firstSeq, Long lastSeq, String headHash,
        BrokenLink brokenAt) {

    /** Why a link failed. */
    public static final String HASH_MISMATCH = "hash mismatch";
    public static final String PREV_HASH_MISMATCH = "prev_hash mismatch";
    public static final String SEQ_GAP = "seq gap";
    public static final String HEAD_MISMATCH = "head mismatch";
    /** The retention anchor (where the chain starts after pruning) has no valid signed checkpoint. */
    public static final String ANCHOR_UNSIGNED = "anchor not signed";

    /**
     * The first link that failed.
     *
     * @param seq the event's seq (for a gap: the first missing seq)
     * @param id the event's id, null when the row is missing
     * @param reason {@code hash mismatch}, {@code prev_hash mismatch}, {@code seq gap} or {@code head mismatch}
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record BrokenLink(long seq, UUID id, String reason) {
    }

    static VerifyReport intact(long events, Long firstSeq, Long lastSeq, String headHash) {
        return new VerifyReport(true, events, firstSeq, lastSeq, headHash, null);
    }

    static VerifyReport broken(long checked, long seq, UUID id, String reason) {
        return new VerifyReport(false, checked, null, null, null, new BrokenLink(seq, id, reason));
    }
}

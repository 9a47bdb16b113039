package io.medhook.audit.event;

import io.medhook.audit.AuditConfig;
import io.medhook.audit.event.AuditEventRepository.ChainHead;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Recomputes the hash chain from the stored columns, in seq order, one page at a time (never the whole log in
 * memory). Checks, for every event: its seq follows the previous one, its {@code prev_hash} equals the previous
 * event's hash, and its {@code hash} equals SHA-256 over that and its canonical form. A verification of the whole
 * chain also checks that the last event is the one {@code chain_head} names, which catches a removed tail.
 * <p>
 * Blocking: it runs on a worker thread, since hashing a long chain must not hold an event-loop thread.
 */
@ApplicationScoped
public class ChainVerifier {

    private static final Logger LOG = Logger.getLogger(ChainVerifier.class);
    private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(60);

    private final AuditEventRepository repository;
    private final AuditAccess access;
    private final AuditConfig config;

    public ChainVerifier(AuditEventRepository repository, AuditAccess access, AuditConfig config) {
        this.repository = repository;
        this.access = access;
        this.config = config;
    }

    /** Verifies seqs {@code fromSeq..toSeq} (both optional, inclusive) for a caller who may read the audit log. */
    public VerifyReport verify(SecurityIdentity identity, String fromSeq, String toSeq) {
        access.readScope(identity, null);
        Long from = seq("fromSeq", fromSeq);
        Long to = seq("toSeq", toSeq);
        if (from != null && to != null && to < from) {
            throw AuditQueryService.badParameter("toSeq", "must not be smaller than fromSeq");
        }
        VerifyReport report = verify(from == null ? 1 : from, to);
        LOG.infof("chain verification: intact=%s events=%d", report.intact(), report.events());
        return report;
    }

    VerifyReport verify(long from, Long to) {
        // the head is read first: every row up to it is committed, rows appended meanwhile are left for next time
        ChainHead head = repository.head().await().atMost(PAGE_TIMEOUT);
        boolean toHead = to == null || to >= head.seq();
        long upper = toHead ? head.seq() : to;
        if (from > upper) {
            return VerifyReport.intact(0, null, null, toHead && from == 1 ? head.hash() : null);
        }
        String prev = ChainHash.GENESIS;
        if (from > 1) {
            prev = repository.hashAt(from - 1).await().atMost(PAGE_TIMEOUT);
            if (prev == null) {
                return VerifyReport.broken(0, from - 1, null, VerifyReport.SEQ_GAP);
            }
        }
        int pageSize = config.verify().pageSize();
        long expected = from;
        long checked = 0;
        while (expected <= upper) {
            List<StoredEvent> page = repository.chainPage(expected - 1, upper, pageSize).await().atMost(PAGE_TIMEOUT);
            if (page.isEmpty()) {
                return VerifyReport.broken(checked, expected, null, VerifyReport.SEQ_GAP);
            }
            for (StoredEvent e : page) {
                if (e.seq() != expected) {
                    return VerifyReport.broken(checked, expected, null, VerifyReport.SEQ_GAP);
                }
                if (!prev.equals(e.prevHash())) {
                    return VerifyReport.broken(checked, e.seq(), e.id(), VerifyReport.PREV_HASH_MISMATCH);
                }
                if (!ChainHash.hash(e.prevHash(), ChainHash.canonical(e)).equals(e.hash())) {
                    return VerifyReport.broken(checked, e.seq(), e.id(), VerifyReport.HASH_MISMATCH);
                }
                prev = e.hash();
                expected++;
                checked++;
            }
        }
        if (toHead && !prev.equals(head.hash())) {
            return VerifyReport.broken(checked, head.seq(), null, VerifyReport.HEAD_MISMATCH);
        }
        return VerifyReport.intact(checked, from, upper, prev);
    }

    private static Long seq(String name, String raw) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        try {
            long v = Long.parseLong(raw);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw AuditQueryService.badParameter(name, "must be a positive whole number");
    }
}

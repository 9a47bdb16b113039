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
    private final RetentionService retention;
    private final CheckpointService checkpoints;
    private final CheckpointSigner signer;
    private final AuditAccess access;
    private final AuditConfig config;

    public ChainVerifier(AuditEventRepository repository, AuditAccess access, AuditConfig config,
            RetentionService retention, CheckpointService checkpoints, CheckpointSigner signer) {
        this.retention = retention;
        this.checkpoints = checkpoints;
        this.signer = signer;
        this.repository = repository;
        this.access = access;
        this.config = config;
    }

    /** Verifies seqs {@code fromSeq..toSeq} (both optional, inclusive) for a caller who may read the audit log. */
    public VerifyReport verify(SecurityIdentity identity, String fromSeq, String toSeq) {
        access.readScope(identity, null);
        Long from = AuditQueryService.seqParameter("fromSeq", fromSeq);
        Long to = AuditQueryService.seqParameter("toSeq", toSeq);
        if (from != null && to != null && to < from) {
            throw AuditQueryService.badParameter("toSeq", "must not be smaller than fromSeq");
        }
        VerifyReport report = verify(from, to);
        LOG.infof("chain verification: intact=%s events=%d", report.intact(), report.events());
        return report;
    }

    /**
     * Verifies from {@code fromSeq} (null: the oldest retained event) to {@code to} (null: the head). After retention
     * the chain starts at the anchor, whose hash must be backed by a checkpoint signed with this service's key.
     */
    VerifyReport verify(Long fromSeq, Long to) {
        RetentionService.Anchor anchor = retention.anchor().await().atMost(PAGE_TIMEOUT);
        if (fromSeq != null && fromSeq <= anchor.seq()) {
            throw AuditQueryService.badParameter("fromSeq", "events up to seq " + anchor.seq()
                    + " were removed by retention; verify from " + (anchor.seq() + 1));
        }
        long from = fromSeq == null ? anchor.seq() + 1 : fromSeq;
        if (anchor.seq() > 0) {
            Checkpoint cp = checkpoints.find(anchor.seq()).await().atMost(PAGE_TIMEOUT);
            if (cp == null || !cp.hash().equals(anchor.hash()) || !CheckpointSigner.valid(cp, signer.publicKeyBase64(cp.keyId()))) {
                return VerifyReport.broken(0, anchor.seq(), null, VerifyReport.ANCHOR_UNSIGNED);
            }
        }
        // the head is read first: every row up to it is committed, rows appended meanwhile are left for next time
        ChainHead head = repository.head().await().atMost(PAGE_TIMEOUT);
        boolean toHead = to == null || to >= head.seq();
        long upper = toHead ? head.seq() : to;
        if (from > upper) {
            return VerifyReport.intact(0, null, null, toHead && from == anchor.seq() + 1 ? head.hash() : null);
        }
        String prev = anchor.hash();
        if (from > anchor.seq() + 1) {
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
}

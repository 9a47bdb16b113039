package io.medhook.audit.event;

import io.medhook.audit.AuditConfig;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Appends batches of events to the hash chain. The canonical form of each event is computed first; then one
 * transaction per batch: lock the chain head and find the ids already stored (pipelined: one round trip), give the
 * rest the next seqs and their hashes, insert them in one statement and move the head (pipelined: one round trip). Concurrent batches queue on the head lock, so
 * seqs stay gapless and every event links to the one before it.
 * <p>
 * Logs counts only: events may hold names and addresses.
 */
@ApplicationScoped
public class AuditIngestService {

    private static final Logger LOG = Logger.getLogger(AuditIngestService.class);
    /** Oldest and newest accepted {@code occurredAt}: the canonical form writes a four-digit year. */
    private static final Instant MIN_OCCURRED_AT = Instant.EPOCH;
    private static final Instant MAX_OCCURRED_AT = Instant.parse("9999-12-31T23:59:59.999999Z");

    private final AuditEventRepository repository;
    private final AuditConfig config;
    private final Counter accepted;
    private final Counter duplicates;

    public AuditIngestService(AuditEventRepository repository, AuditConfig config, MeterRegistry registry) {
        this.repository = repository;
        this.config = config;
        this.accepted = counter(registry, "accepted");
        this.duplicates = counter(registry, "duplicate");
    }

    private static Counter counter(MeterRegistry registry, String result) {
        return Counter.builder("medhook.audit.events.ingested").tag("result", result)
                .description("Audit events received: accepted (appended to the chain) or duplicate (id already stored)")
                .register(registry);
    }

    public Uni<IngestResult> ingest(IngestBatchRequest request) {
        List<StoredEvent> candidates = validate(request);
        // a repeated id inside one batch counts as a duplicate, like one already stored
        Map<UUID, StoredEvent> unique = new LinkedHashMap<>();
        for (StoredEvent e : candidates) {
            unique.putIfAbsent(e.id(), e);
        }
        int inBatchDuplicates = candidates.size() - unique.size();
        if (unique.isEmpty()) {
            return Uni.createFrom().item(new IngestResult(0, 0));
        }
        // the canonical form holds neither seq nor hashes: compute it before taking the head lock, so the lock is held
        // for the SHA-256 links and the SQL only
        List<Unlinked> pending = new ArrayList<>(unique.size());
        for (StoredEvent e : unique.values()) {
            pending.add(new Unlinked(e, ChainHash.canonical(e)));
        }
        // lockHead and existingIds are pipelined on the connection (both sent at once): PostgreSQL runs the select only
        // after the lock is granted, with a new snapshot (read committed), so it sees what the previous holder committed
        return repository.pool().withTransaction(conn -> Uni.combine().all()
                .unis(repository.lockHead(conn), repository.existingIds(conn, unique.keySet())).asTuple()
                .chain(locked -> {
                    List<StoredEvent> rows = link(locked.getItem1(), pending, locked.getItem2());
                    IngestResult result = new IngestResult(rows.size(),
                            inBatchDuplicates + unique.size() - rows.size());
                    if (rows.isEmpty()) {
                        return Uni.createFrom().item(result);
                    }
                    StoredEvent last = rows.get(rows.size() - 1);
                    // pipelined as well; a failed insert fails the transaction, so the head cannot move without it
                    return Uni.combine().all().unis(repository.insert(conn, rows), repository.updateHead(conn,
                            new AuditEventRepository.ChainHead(last.seq(), last.hash()))).discardItems()
                            .replaceWith(result);
                }))
                .invoke(result -> {
                    accepted.increment(result.accepted());
                    duplicates.increment(result.duplicates());
                    LOG.debugf("ingested a batch: accepted=%d duplicates=%d", result.accepted(), result.duplicates());
                });
    }

    /** An event in stored form (seq and hashes not set yet) with its canonical JSON. */
    private record Unlinked(StoredEvent event, String canonical) {
    }

    /** Gives the events not stored yet their seqs and chain hashes, in batch order. */
    private static List<StoredEvent> link(AuditEventRepository.ChainHead head, List<Unlinked> events,
            Set<UUID> existing) {
        List<StoredEvent> rows = new ArrayList<>(events.size());
        long seq = head.seq();
        String prev = head.hash();
        for (Unlinked u : events) {
            StoredEvent e = u.event();
            if (existing.contains(e.id())) {
                continue;
            }
            seq++;
            String hash = ChainHash.hash(prev, u.canonical());
            rows.add(new StoredEvent(seq, e.id(), e.occurredAt(), e.actorType(), e.actorId(), e.actorName(),
                    e.action(), e.resourceType(), e.resourceId(), e.workspaceId(), e.outcome(), e.requestId(),
                    e.sourceAddress(), e.userAgent(), e.change(), prev, hash));
            prev = hash;
        }
        return rows;
    }

    /** Checks every event and brings it to its stored form; the first problem refuses the whole batch. */
    private List<StoredEvent> validate(IngestBatchRequest request) {
        if (request == null || request.events() == null) {
            throw invalid("events", "is required");
        }
        int max = config.ingest().maxBatchSize();
        if (request.events().size() > max) {
            throw new MedhookException(ErrorKind.PAYLOAD_TOO_LARGE, "A batch holds at most " + max + " events",
                    Map.of("maxEvents", max));
        }
        List<StoredEvent> out = new ArrayList<>(request.events().size());
        for (int i = 0; i < request.events().size(); i++) {
            out.add(stored(request.events().get(i), "events[" + i + "]"));
        }
        return out;
    }

    private static StoredEvent stored(AuditEvent e, String at) {
        if (e == null) {
            throw invalid(at, "is required");
        }
        if (e.id() == null) {
            throw invalid(at + ".id", "is required");
        }
        if (e.occurredAt() == null) {
            throw invalid(at + ".occurredAt", "is required");
        }
        if (e.occurredAt().isBefore(MIN_OCCURRED_AT) || e.occurredAt().isAfter(MAX_OCCURRED_AT)) {
            throw invalid(at + ".occurredAt", "must lie between the years 1970 and 9999");
        }
        if (e.actor() == null || blank(e.actor().type())) {
            throw invalid(at + ".actor.type", "is required");
        }
        if (blank(e.action())) {
            throw invalid(at + ".action", "is required");
        }
        if (e.outcome() == null) {
            throw invalid(at + ".outcome", "is required");
        }
        String change;
        try {
            change = e.change() == null ? null : CanonicalJson.write(e.change());
        } catch (IllegalArgumentException ex) {
            throw invalid(at + ".change", "is not representable as canonical JSON");
        }
        AuditEvent.Resource resource = e.resource();
        return new StoredEvent(0, e.id(), e.occurredAt().truncatedTo(ChronoUnit.MICROS),
                text(e.actor().type(), at + ".actor.type"), text(e.actor().id(), at + ".actor.id"),
                text(e.actor().name(), at + ".actor.name"), text(e.action(), at + ".action"),
                resource == null ? null : text(resource.type(), at + ".resource.type"),
                resource == null ? null : text(resource.id(), at + ".resource.id"),
                text(e.workspaceId(), at + ".workspaceId"), e.outcome().name(),
                text(e.requestId(), at + ".requestId"), text(e.sourceAddress(), at + ".sourceAddress"),
                text(e.userAgent(), at + ".userAgent"), change, null, null);
    }

    /** PostgreSQL text holds neither NUL nor unpaired surrogates: such values would not be stored as hashed. */
    private static String text(String value, String field) {
        if (value == null) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0) {
                throw invalid(field, "contains a NUL character");
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw invalid(field, "contains an unpaired surrogate");
            }
        }
        return value;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static MedhookException invalid(String field, String problem) {
        return new MedhookException(ErrorKind.BAD_REQUEST, "Field '" + field + "' " + problem,
                Map.of("field", field));
    }
}

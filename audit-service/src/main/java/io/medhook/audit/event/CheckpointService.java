package io.medhook.audit.event;

import io.medhook.audit.AuditConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.OffsetDateTime;
import org.jboss.logging.Logger;

/**
 * Signed checkpoints of the chain: one every {@code medhook.audit.checkpoint.interval} when the chain has grown, and
 * one on demand for each export. Each is stored (one per seq) and can be re-checked with the published public key.
 */
@ApplicationScoped
public class CheckpointService {

    private static final Logger LOG = Logger.getLogger(CheckpointService.class);

    private final AuditEventRepository repository;
    private final CheckpointSigner signer;
    private final AuditConfig config;
    private final Vertx vertx;
    private long timer = -1;

    public CheckpointService(AuditEventRepository repository, CheckpointSigner signer, AuditConfig config, Vertx vertx) {
        this.repository = repository;
        this.signer = signer;
        this.config = config;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent ev) {
        long ms = config.checkpoint().interval().toMillis();
        timer = vertx.setPeriodic(ms, ms, id -> checkpointHead().subscribe().with(
                c -> { },
                f -> LOG.warnf("periodic checkpoint failed: %s", f.getClass().getSimpleName())));
    }

    @PreDestroy
    void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** A checkpoint of the current head, unless the log is empty; reuses the stored one when the head has not moved. */
    public Uni<Checkpoint> checkpointHead() {
        return repository.head().chain(h -> h.seq() == 0 ? Uni.createFrom().nullItem() : at(h.seq(), h.hash()));
    }

    /** The checkpoint for {@code seq} (with its stored {@code hash}), signing and storing it if there is none yet. */
    public Uni<Checkpoint> at(long seq, String hash) {
        return find(seq).chain(existing -> {
            if (existing != null) {
                return Uni.createFrom().item(existing);
            }
            return signer.sign(seq, hash).chain(c -> repository.pool().preparedQuery("""
                    insert into checkpoint (seq, hash, created_at, key_id, signature) values ($1, $2, $3, $4, $5)
                    on conflict (seq) do nothing""")
                    .execute(Tuple.of(seq, hash, OffsetDateTime.parse(c.createdAt().replace("Z", "+00:00")),
                            c.keyId(), c.signature()))
                    .chain(() -> find(seq)));
        });
    }

    /** The newest stored checkpoint, or null. */
    public Uni<Checkpoint> latest() {
        return repository.pool().query("select * from checkpoint order by seq desc limit 1").execute()
                .map(rows -> rows.size() == 0 ? null : of(rows.iterator().next()));
    }

    Uni<Checkpoint> find(long seq) {
        return repository.pool().preparedQuery("select * from checkpoint where seq = $1").execute(Tuple.of(seq))
                .map(rows -> rows.size() == 0 ? null : of(rows.iterator().next()));
    }

    private static Checkpoint of(Row r) {
        return new Checkpoint(r.getLong("seq"), r.getString("hash"),
                r.getOffsetDateTime("created_at").toInstant().toString(), r.getString("key_id"),
                r.getString("signature"));
    }
}

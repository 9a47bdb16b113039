package io.medhook.common.audit;

import io.medhook.common.problem.SafeThrowables;
import io.medhook.common.security.Claims;
import io.medhook.common.security.ServiceTokens;
import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.WebClient;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Delivers outbox rows to audit-service in batches and deletes them once audit-service has accepted them. Rows are
 * locked with {@code FOR UPDATE SKIP LOCKED}, so any number of replicas can relay without sending a row twice at the
 * same time; audit-service ingests idempotently by event id, so a retry after a lost answer is harmless.
 */
@ApplicationScoped
@IfBuildProperty(name = "medhook.outbox.enabled", stringValue = "true")
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    private final Pool pool;
    private final ServiceTokens tokens;
    private final AuditClientConfig config;
    private final Vertx vertx;
    private final WebClient client;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean stopped;
    private volatile long backoffMs;
    private volatile long timerId = -1;

    public OutboxRelay(Pool pool, ServiceTokens tokens, AuditClientConfig config, Vertx vertx) {
        this.pool = pool;
        this.tokens = tokens;
        this.config = config;
        this.vertx = vertx;
        this.client = WebClient.create(vertx);
    }

    void start(@Observes StartupEvent ev) {
        schedule(config.relayInterval().toMillis());
    }

    void stop(@Observes ShutdownEvent ev) {
        stopped = true;
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    private void schedule(long delayMs) {
        if (!stopped) {
            timerId = vertx.setTimer(Math.max(1, delayMs), id -> tick());
        }
    }

    private void tick() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        relayOnce().subscribe().with(sent -> {
            running.set(false);
            backoffMs = 0;
            // a full batch means more may be waiting: go again at once
            schedule(sent >= config.batchSize() ? 1 : config.relayInterval().toMillis());
        }, failure -> {
            running.set(false);
            backoffMs = Math.min(config.maxBackoff().toMillis(),
                    Math.max(config.relayInterval().toMillis(), backoffMs * 2));
            LOG.warnf("audit relay could not deliver, retrying in %d ms: %s", backoffMs,
                    failure.getClass().getSimpleName());
            LOG.debug(SafeThrowables.describe(failure));
            schedule(backoffMs);
        });
    }

    /** Sends one batch; returns how many events audit-service accepted. */
    public Uni<Integer> relayOnce() {
        return pool.withTransaction(conn -> conn
                .preparedQuery("select seq, payload from audit_outbox order by seq limit $1 for update skip locked")
                .execute(Tuple.of(config.batchSize()))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(0);
                    }
                    List<Long> seqs = new ArrayList<>(rows.size());
                    StringBuilder body = new StringBuilder(rows.size() * 400).append("{\"events\":[");
                    boolean first = true;
                    for (Row r : rows) {
                        seqs.add(r.getLong("seq"));
                        if (!first) {
                            body.append(',');
                        }
                        body.append(r.getString("payload"));
                        first = false;
                    }
                    body.append("]}");
                    return send(body.toString()).chain(() -> conn
                            .preparedQuery("delete from audit_outbox where seq = any($1)")
                            .execute(Tuple.of(seqs.toArray(Long[]::new))))
                            .map(x -> seqs.size());
                }));
    }

    private Uni<Void> send(String body) {
        return tokens.token(Claims.AUD_AUDIT).chain(token -> client
                .postAbs(config.url() + "/api/v1/audit/events/batch")
                .putHeader("Authorization", "Bearer " + token)
                .putHeader("Content-Type", "application/json")
                .timeout(15_000)
                .sendBuffer(io.vertx.mutiny.core.buffer.Buffer.newInstance(Buffer.buffer(body))))
                .map(resp -> {
                    if (resp.statusCode() / 100 != 2) {
                        throw new IllegalStateException("audit-service answered " + resp.statusCode());
                    }
                    return null;
                });
    }
}

package io.medhook.workflow.delivery;

import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.AuditOutbox;
import io.medhook.common.problem.SafeThrowables;
import io.medhook.workflow.WorkflowConfig;
import io.medhook.workflow.egress.EgressClient;
import io.medhook.workflow.egress.EgressException;
import io.medhook.workflow.egress.EgressResponse;
import io.medhook.workflow.engine.InFlight;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Sends stored deliveries. Claims due ones under a lease ({@link DeliveryStore#claim}: at most
 * {@code endpoint-concurrency} in flight per endpoint over all replicas, so a slow endpoint holds a few slots and
 * never the others'), signs each attempt (Standard Webhooks), sends it through the SSRF-guarded
 * {@link EgressClient}, and records the attempt and the next state in one transaction: succeeded on any 2xx within the
 * endpoint's timeout; else the next attempt is scheduled (schedule, jitter, {@code Retry-After}) or, when the schedule
 * is used up, the delivery is failed. A 410 disables the endpoint; so does failing continuously for
 * {@code disable-after}. Every time comes from the injected {@link Clock}. On shutdown it drains ({@link #drain}):
 * no more claims, sends in flight get {@code drain-timeout} to be answered and recorded, and the leases of those still
 * going are handed back so another replica sends them at once. Logs carry ids and error types only.
 */
@ApplicationScoped
public class DeliveryDispatcher {

    private static final Logger LOG = Logger.getLogger(DeliveryDispatcher.class);
    private static final String USER_AGENT = "MedHook-Webhooks/1";
    private static final AuditContext SYSTEM = AuditContext.system("webhook-dispatcher");

    /** An endpoint's row, unwrapped data key and secrets, as of one version. */
    private record Material(EndpointRow row, byte[] key, WebhookEndpointService.Secrets secrets, Instant loadedAt) {
    }

    /** What an attempt got: a response, or an error type. */
    private record Result(EgressResponse response, String errorType) {
    }

    private final DeliveryStore store;
    private final WebhookEndpointService endpoints;
    private final EndpointCrypto crypto;
    private final EgressClient egress;
    private final Vertx vertx;
    private final WorkflowConfig.Delivery config;
    private final Clock clock;
    private final String workerId;
    private final Map<UUID, Material> materials = new ConcurrentHashMap<>();
    private final Map<UUID, RateLimiter> limiters = new ConcurrentHashMap<>();
    /** The deliveries this replica is sending now, each with its attempt (cancelled when its lease is handed back). */
    private final InFlight inFlight = new InFlight();
    private final AtomicBoolean polling = new AtomicBoolean();
    private final AtomicBoolean pollAgain = new AtomicBoolean();
    private volatile boolean stopped = true;
    private long pollTimer = -1;
    private long renewTimer = -1;

    @Inject
    public DeliveryDispatcher(DeliveryStore store, WebhookEndpointService endpoints, EndpointCrypto crypto,
            EgressClient egress, Vertx vertx, WorkflowConfig config, Clock clock) {
        this(store, endpoints, crypto, egress, vertx, config.delivery(), clock,
                config.engine().workerId().map(w -> w + "-delivery").orElse("delivery-" + UUID.randomUUID()));
    }

    /** A dispatcher with its own clock and worker id (tests run several, with time they move). */
    DeliveryDispatcher(DeliveryStore store, WebhookEndpointService endpoints, EndpointCrypto crypto,
            EgressClient egress, Vertx vertx, WorkflowConfig.Delivery config, Clock clock, String workerId) {
        this.store = store;
        this.endpoints = endpoints;
        this.crypto = crypto;
        this.egress = egress;
        this.vertx = vertx;
        this.config = config;
        this.clock = clock;
        this.workerId = workerId;
    }

    void onStart(@Observes StartupEvent ev) {
        if (config.enabled()) {
            start();
        } else {
            LOG.info("webhook delivery dispatcher disabled on this replica");
        }
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (stopped) {
            return;
        }
        InFlight.Drained d = drain(config.drainTimeout());
        LOG.infof("webhook delivery dispatcher stopped: %d sends ended while draining, %d leases handed back",
                d.ended(), d.handedBack());
    }

    /**
     * Drains this dispatcher: stops claiming at once, waits up to {@code timeout} for the sends in flight to be
     * answered and recorded (leases are still renewed meanwhile), then stops those still going and hands their leases
     * back in one statement ({@link DeliveryStore#handBack}), so another replica sends them at once with the same
     * {@code webhook-id}. Blocks the calling thread; not for an event loop.
     */
    public InFlight.Drained drain(Duration timeout) {
        synchronized (this) {
            stopped = true;
            if (pollTimer >= 0) {
                vertx.cancelTimer(pollTimer);
            }
        }
        InFlight.Drained drained = inFlight.drain(timeout, polling, ids -> store.handBack(workerId, ids), "delivery",
                config.lease());
        stop();
        return drained;
    }

    public synchronized void start() {
        if (!stopped) {
            return;
        }
        stopped = false;
        pollTimer = vertx.setPeriodic(config.pollInterval().toMillis(), id -> wake());
        renewTimer = vertx.setPeriodic(Math.max(1000, config.lease().toMillis() / 3), id -> renewLeases());
        LOG.infof("webhook delivery dispatcher started: worker %s, concurrency %d, per endpoint %d", workerId,
                config.concurrency(), config.endpointConcurrency());
    }

    /**
     * Stops claiming and renewing, at once; sends in flight go on until answered and record their outcome while the
     * lease holds. On shutdown {@link #drain} is used instead.
     */
    public synchronized void stop() {
        stopped = true;
        if (pollTimer >= 0) {
            vertx.cancelTimer(pollTimer);
            vertx.cancelTimer(renewTimer);
            pollTimer = -1;
        }
    }

    public String workerId() {
        return workerId;
    }

    /** Deliveries this replica is sending now. */
    public int inFlight() {
        return inFlight.count();
    }

    /** Looks for due deliveries now (after one was created on this replica, and periodically). */
    public void wake() {
        if (stopped) {
            return;
        }
        if (!polling.compareAndSet(false, true)) {
            pollAgain.set(true);
            return;
        }
        int free = Math.min(config.batchSize(), config.concurrency() - inFlight.count());
        if (free <= 0) {
            polling.set(false);
            return;
        }
        Instant now = clock.instant();
        store.claim(workerId, free, config.endpointConcurrency(), now, now.plus(config.lease()))
                .subscribe().with(claimed -> {
                    if (inFlight.handingBack()) {
                        // the claim was on its way when the drain gave up waiting: give these back unsent
                        polling.set(false);
                        if (!claimed.isEmpty()) {
                            store.handBack(workerId, claimed.stream().map(DeliveryStore.Claimed::id).toList())
                                    .subscribe().with(n -> LOG.infof("%d late delivery claims handed back", n),
                                            f -> LOG.warnf("handing back late delivery claims failed: %s",
                                                    f.getClass().getSimpleName()));
                        }
                        return;
                    }
                    claimed.forEach(this::launch);
                    polling.set(false);
                    signalIfIdle();
                    if (claimed.size() == free || pollAgain.getAndSet(false)) {
                        vertx.runOnContext(this::wake);
                    }
                }, f -> {
                    polling.set(false);
                    signalIfIdle();
                    LOG.warnf("claiming deliveries failed: %s", SafeThrowables.describe(f));
                });
    }

    /** Sends a claimed delivery on this replica, holding a slot (and renewing its lease) until it is recorded. */
    void launch(DeliveryStore.Claimed c) {
        inFlight.start(c.id(), () -> attempt(c).subscribe().with(x -> done(c), f -> {
            LOG.errorf("delivery %s: dispatcher failure %s", c.id(), SafeThrowables.describe(f));
            done(c);
        }));
    }

    /**
     * A send ended. The next claim waits until a quarter of the slots are free (or the next poll): one claim query per
     * finished delivery would cost more than the delivery.
     */
    private void done(DeliveryStore.Claimed c) {
        if (!inFlight.ended(c.id())) {
            return; // handed back meanwhile
        }
        signalIfIdle();
        if (inFlight.count() <= config.concurrency() * 3 / 4) {
            wake();
        }
    }

    private void signalIfIdle() {
        inFlight.signalIfIdle(stopped, polling.get());
    }

    private void renewLeases() {
        if (inFlight.isEmpty()) {
            return;
        }
        store.renew(workerId, inFlight.ids(), clock.instant().plus(config.lease())).subscribe().with(n -> {
        }, f -> LOG.warnf("delivery lease renewal failed: %s", f.getClass().getSimpleName()));
    }

    private Uni<Material> material(DeliveryStore.Claimed c) {
        Material m = materials.get(c.endpointId());
        if (m != null && m.row().version() == c.endpointVersion()
                && m.loadedAt().plusSeconds(60).isAfter(clock.instant())) {
            return Uni.createFrom().item(m);
        }
        return endpoints.find(store.pool(), c.workspaceId(), c.endpointId(), false)
                .chain(row -> crypto.openKey(row.workspaceId(), row.id(), row.dataKeyWrapped())
                        .map(key -> new Material(row, key, endpoints.readSecrets(key, row), clock.instant())))
                .invoke(loaded -> materials.put(c.endpointId(), loaded));
    }

    /** One attempt of a claimed delivery, recorded. */
    Uni<Void> attempt(DeliveryStore.Claimed c) {
        return material(c).chain(m -> {
            Instant now = clock.instant();
            EndpointRow ep = m.row();
            if (ep.rateLimit() != null) {
                long waitMs = limiters.computeIfAbsent(ep.id(), id -> new RateLimiter())
                        .take(ep.rateLimit(), clock.millis());
                if (waitMs > 0) {
                    return store.release(c.id(), workerId, now.plusMillis(waitMs));
                }
            }
            byte[] body = c.bodySealed()
                    ? EndpointCrypto.openBody(m.key(), c.workspaceId(), c.endpointId(), c.id(), c.body())
                    : c.body();
            long timestamp = now.getEpochSecond();
            List<String> secrets = m.secrets().previous() != null && ep.previousValidUntil() != null
                    && now.isBefore(ep.previousValidUntil())
                    ? List.of(m.secrets().current(), m.secrets().previous()) : List.of(m.secrets().current());
            Map<String, String> headers = new LinkedHashMap<>(ep.headers());
            headers.put("Content-Type", "application/json");
            headers.put("User-Agent", USER_AGENT);
            headers.put("webhook-id", c.msgId());
            headers.put("webhook-timestamp", Long.toString(timestamp));
            headers.put("webhook-signature", StandardWebhooks.signatures(secrets, c.msgId(), timestamp, body));
            long t0 = System.nanoTime();
            return egress.send("POST", ep.url(), headers, body, Set.of(), false)
                    .ifNoItem().after(Duration.ofMillis(ep.timeoutMs()))
                    .failWith(() -> new EgressException("timeout", "no answer within the endpoint's timeout"))
                    .map(r -> new Result(r, null))
                    .onFailure(EgressException.class).recoverWithItem(e -> new Result(null,
                            ((EgressException) e).type()))
                    .onFailure().recoverWithItem(e -> {
                        LOG.warnf("delivery %s: attempt failed: %s", c.id(), SafeThrowables.describe(e));
                        return new Result(null, "internal");
                    })
                    .chain(r -> outcome(c, m, r, now, (int) ((System.nanoTime() - t0) / 1_000_000)));
        });
    }

    private Uni<Void> outcome(DeliveryStore.Claimed c, Material m, Result r, Instant attemptedAt, int latencyMs) {
        Instant now = clock.instant();
        EndpointRow ep = m.row();
        Integer status = r.response() == null ? null : r.response().status();
        boolean ok = status != null && status >= 200 && status < 300;
        boolean gone = status != null && status == 410;
        List<Duration> schedule = RetryPolicy.schedule(ep.retrySchedule(), config.retrySchedule());
        int index = c.retryIndex();
        String next;
        Instant nextAt = null;
        int nextIndex = index;
        if (ok) {
            next = "succeeded";
        } else if (gone || index + 1 >= schedule.size()) {
            next = "failed";
        } else {
            next = "pending";
            nextIndex = index + 1;
            Duration delay = RetryPolicy.jittered(schedule.get(nextIndex), config.jitter());
            Duration after = RetryPolicy.retryAfter(r.response() == null ? null
                    : r.response().headers().get("retry-after"), now, config.retryAfterMax());
            if (after != null && after.compareTo(delay) > 0) {
                delay = after;
            }
            nextAt = now.plus(delay);
        }
        String errorType = ok ? null : gone ? "gone" : status != null ? "http_error" : r.errorType();
        int attempt = c.attempts() + 1;
        byte[] responseEnc = null;
        if (r.response() != null && r.response().body().length > 0) {
            byte[] b = r.response().body();
            byte[] cut = Arrays.copyOf(b, Math.min(b.length, config.responseBodyBytes()));
            responseEnc = EndpointCrypto.sealResponse(m.key(), c.workspaceId(), c.endpointId(), c.id(), attempt, cut);
        }
        DeliveryStore.Outcome o = new DeliveryStore.Outcome(attempt, attemptedAt, status, latencyMs, responseEnc,
                errorType, c.retryIndex() == 0 && c.attempts() > 0 ? "redelivery" : "scheduled");
        AuditEvent audit = "pending".equals(next) ? null : AuditEvent.of(SYSTEM,
                ok ? "webhook_delivery.succeed" : "webhook_delivery.fail", "webhook_delivery", c.id().toString(),
                c.workspaceId().toString(), ok ? AuditEvent.Outcome.success : AuditEvent.Outcome.failure,
                AuditChange.updated(new DeliveryAudit(c.endpointId().toString(), c.msgId(), c.eventType(),
                        "delivering", c.attempts(), null), new DeliveryAudit(c.endpointId().toString(), c.msgId(),
                                c.eventType(), next, attempt, errorType)));
        Uni<Boolean> recording = ok ? store.recordSuccess(c.id(), workerId, o, nextIndex, audit)
                : store.record(c.id(), workerId, o, next, nextIndex, nextAt, audit, tx -> health(tx, ep, ok, gone, now));
        return recording.invoke(recorded -> {
                    if (!recorded) {
                        LOG.warnf("delivery %s: lease lost before recording; another worker owns it", c.id());
                    } else if (!ok) {
                        LOG.debugf("delivery %s attempt %d: %s, next %s", c.id(), attempt, errorType, next);
                    }
                }).replaceWithVoid();
    }

    /**
     * The endpoint's health in the attempt's transaction: a success ends its failing period; a failure starts one
     * (or continues it); a 410 or a failing period longer than {@code disable-after} disables it, audited.
     */
    private Uni<Void> health(SqlClient tx, EndpointRow ep, boolean ok, boolean gone, Instant now) {
        if (ok) {
            return tx.preparedQuery("update webhook_endpoint set failing_since = null where id = $1 "
                    + "and failing_since is not null").execute(Tuple.of(ep.id())).replaceWithVoid();
        }
        if (gone) {
            return disable(tx, ep, "gone", now);
        }
        return tx.preparedQuery("""
                update webhook_endpoint set failing_since = coalesce(failing_since, $2) where id = $1
                returning failing_since, enabled""")
                .execute(Tuple.of(ep.id(), DeliveryStore.at(now)))
                .chain(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return Uni.createFrom().voidItem();
                    }
                    var row = rows.iterator().next();
                    Instant since = row.getOffsetDateTime("failing_since").toInstant();
                    if (row.getBoolean("enabled") && !since.plus(config.disableAfter()).isAfter(now)) {
                        return disable(tx, ep, "failing", now);
                    }
                    return Uni.createFrom().voidItem();
                });
    }

    private Uni<Void> disable(SqlClient tx, EndpointRow ep, String reason, Instant now) {
        return tx.preparedQuery("""
                update webhook_endpoint set enabled = false, disabled_reason = $2, disabled_at = $3
                 where id = $1 and enabled""")
                .execute(Tuple.of(ep.id(), reason, DeliveryStore.at(now)))
                .chain(rows -> {
                    if (rows.rowCount() == 0) {
                        return Uni.createFrom().voidItem();
                    }
                    LOG.warnf("webhook endpoint %s of workspace %s disabled: %s", ep.id(), ep.workspaceId(), reason);
                    Map<String, Object> change = AuditChange.updated(new EndpointHealthAudit(true, null),
                            new EndpointHealthAudit(false, reason));
                    return AuditOutbox.append(tx, AuditEvent.of(SYSTEM, "webhook_endpoint.disable",
                            "webhook_endpoint", ep.id().toString(), ep.workspaceId().toString(),
                            AuditEvent.Outcome.failure, change));
                });
    }

    /** An endpoint's state as a disabling event records it. */
    record EndpointHealthAudit(boolean enabled, String disabledReason) {
    }

    /** A token bucket per endpoint: {@code rate} deliveries per second, bursts up to one second's worth. */
    static final class RateLimiter {
        private double tokens = -1;
        private long last;

        /** Takes a token; returns 0, or how many milliseconds until one is there. */
        synchronized long take(int rate, long nowMs) {
            if (tokens < 0) {
                tokens = rate;
                last = nowMs;
            }
            tokens = Math.min(rate, tokens + (nowMs - last) * rate / 1000.0);
            last = nowMs;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - tokens) * 1000.0 / rate));
        }
    }
}

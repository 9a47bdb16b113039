package io.medhook.workflow.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.common.Ids;
import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.AuditOutbox;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.medhook.workflow.WorkflowConfig;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Creating deliveries (messages, webhook nodes), reading them with their attempt log, and redelivering them. A
 * delivery is stored before anything tries to send it; the dispatcher is only woken after the commit.
 */
@ApplicationScoped
public class DeliveryService {

    /** Event type of a webhook node that names none. */
    public static final String NODE_EVENT_TYPE = "workflow.webhook";
    static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");
    private static final Set<String> STATUSES = Set.of("pending", "delivering", "succeeded", "failed");
    private static final int PAGE = 100;

    private final DeliveryStore store;
    private final WebhookEndpointService endpoints;
    private final EndpointCrypto crypto;
    private final ObjectMapper json;
    private final WorkflowConfig.Delivery config;
    private final Clock clock;
    private final Instance<DeliveryDispatcher> dispatcher;
    private final Map<UUID, Deque<Long>> redeliveries = new ConcurrentHashMap<>();

    public DeliveryService(DeliveryStore store, WebhookEndpointService endpoints, EndpointCrypto crypto,
            ObjectMapper json, WorkflowConfig config, Clock clock, Instance<DeliveryDispatcher> dispatcher) {
        this.store = store;
        this.endpoints = endpoints;
        this.crypto = crypto;
        this.json = json;
        this.config = config.delivery();
        this.clock = clock;
        this.dispatcher = dispatcher;
    }

    /** A new {@code webhook-id}: {@code msg_} and 32 hex digits (a time-ordered UUID). */
    static String newMsgId() {
        return msgId(Ids.uuidV7());
    }

    static String msgId(UUID u) {
        return "msg_" + u.toString().replace("-", "");
    }

    /** The body every delivery carries: {@code {"type", "timestamp", "data"}} (Standard Webhooks' payload shape). */
    byte[] body(String eventType, Instant at, JsonNode data) {
        ObjectNode o = json.createObjectNode();
        o.put("type", eventType);
        o.put("timestamp", at.truncatedTo(ChronoUnit.MILLIS).toString());
        o.set("data", data);
        try {
            byte[] b = json.writeValueAsBytes(o);
            if (b.length > config.maxBodyBytes()) {
                throw MedhookException.validation("The message is larger than " + config.maxBodyBytes() + " bytes",
                        Map.of());
            }
            return b;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the message cannot be serialised");
        }
    }

    /**
     * Creates a message: one delivery per enabled endpoint of the workspace subscribed to its event type (or
     * {@code *}), all with the same {@code webhook-id}, each body sealed under its endpoint's key; audited.
     */
    public Uni<MessageAccepted> createMessage(UUID workspaceId, MessageRequest req, AuditContext audit) {
        if (req == null || req.eventType() == null || !EVENT_TYPE.matcher(req.eventType()).matches()) {
            throw MedhookException.validation("eventType is required: letters, digits, '.', '_' and '-' (at most 100)",
                    Map.of("errors", List.of(Map.of("field", "eventType", "message", "is required"))));
        }
        if (req.data() == null || req.data().isNull()) {
            throw MedhookException.validation("data is required (any JSON value but null)",
                    Map.of("errors", List.of(Map.of("field", "data", "message", "is required"))));
        }
        Instant now = now();
        String msgId = newMsgId();
        byte[] body = body(req.eventType(), now, req.data());
        return store.pool().preparedQuery("select " + EndpointRow.COLUMNS + " from webhook_endpoint"
                + " where workspace_id = $1 and enabled and ($2 = any(event_types) or '*' = any(event_types))")
                .execute(Tuple.of(workspaceId, req.eventType()))
                .map(rows -> {
                    List<EndpointRow> out = new ArrayList<>();
                    rows.forEach(r -> out.add(EndpointRow.of(r, json)));
                    return out;
                })
                .chain(eps -> sealFor(eps, workspaceId, msgId, req.eventType(), body, null, now, null))
                .chain(ds -> store.pool().withTransaction(tx -> store.insert(tx, ds, now)
                        .chain(() -> AuditOutbox.append(tx, AuditEvent.of(audit, "webhook_message.create",
                                "webhook_message", msgId, workspaceId.toString(), AuditEvent.Outcome.success,
                                AuditChange.created(new MessageAudit(req.eventType(),
                                        ds.stream().map(d -> d.endpointId().toString()).toList()))))))
                        .replaceWith(ds))
                .invoke(ds -> wake())
                .map(ds -> new MessageAccepted(msgId, ds.stream().map(d -> d.id().toString()).toList()));
    }

    /** What the audit trail keeps of a message: its type and the endpoints it went to; never the data. */
    public record MessageAudit(String eventType, List<String> endpointIds) {
    }

    /**
     * A webhook node's delivery: one to the named endpoint (enabled or not: a disabled endpoint gets it once
     * re-enabled), with ids derived from the execution and node, so a step that runs again after a crash stores no
     * second delivery. Returns the delivery's id and webhook-id; fails when the endpoint is not in the workspace.
     */
    public Uni<DeliveryStore.NewDelivery> enqueueForNode(UUID workspaceId, UUID endpointId, String eventType,
            JsonNode data, UUID executionId, String nodeId) {
        UUID id = UUID.nameUUIDFromBytes(("medhook:webhook-node:" + executionId + ":" + nodeId)
                .getBytes(StandardCharsets.UTF_8));
        Instant now = now();
        String type = eventType == null ? NODE_EVENT_TYPE : eventType;
        byte[] body = body(type, now, data);
        return endpoints.find(store.pool(), workspaceId, endpointId, false)
                .chain(ep -> sealFor(List.of(ep), workspaceId, msgId(id), type, body, executionId, now, id))
                .chain(ds -> store.pool().withTransaction(tx -> store.insert(tx, ds, now)).replaceWith(ds.get(0)))
                .invoke(d -> wake());
    }

    private Uni<List<DeliveryStore.NewDelivery>> sealFor(List<EndpointRow> eps, UUID workspaceId, String msgId,
            String eventType, byte[] body, UUID executionId, Instant now, UUID fixedId) {
        if (eps.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return Multi.createFrom().iterable(eps)
                .onItem().transformToUniAndConcatenate(ep -> crypto.openKey(workspaceId, ep.id(), ep.dataKeyWrapped())
                        .map(key -> {
                            UUID id = fixedId != null ? fixedId : Ids.uuidV7();
                            byte[] sealed = EndpointCrypto.sealBody(key, workspaceId, ep.id(), id, body);
                            Arrays.fill(key, (byte) 0);
                            List<Integer> sched = ep.retrySchedule();
                            long firstDelay = sched != null && !sched.isEmpty() ? sched.get(0)
                                    : config.retrySchedule().get(0).toSeconds();
                            return new DeliveryStore.NewDelivery(id, workspaceId, ep.id(), msgId, eventType, sealed,
                                    true, now.plusSeconds(firstDelay), executionId);
                        }))
                .collect().asList();
    }

    private void wake() {
        if (dispatcher.isResolvable()) {
            dispatcher.get().wake();
        }
    }

    /** Deliveries of the workspace, newest first; optionally of one endpoint and/or one status (the failed view). */
    public Uni<List<DeliveryView>> list(UUID workspaceId, UUID endpointId, String status) {
        if (status != null && !STATUSES.contains(status)) {
            throw MedhookException.badRequest("status must be one of pending, delivering, succeeded, failed");
        }
        Uni<Void> check = endpointId == null ? Uni.createFrom().voidItem()
                : endpoints.find(store.pool(), workspaceId, endpointId, false).replaceWithVoid();
        String order = "failed".equals(status) ? "finished_at desc, id desc" : "created_at desc, id desc";
        return check.chain(() -> store.pool().preparedQuery("""
                select id, endpoint_id, msg_id, event_type, status, attempts, next_attempt_at, created_at,
                       last_attempt_at, finished_at, execution_id
                  from webhook_delivery
                 where workspace_id = $1 and ($2::uuid is null or endpoint_id = $2::uuid)
                   and ($3::text is null or status = $3::text)
                """ + " order by " + order + " limit " + PAGE)
                .execute(Tuple.of(workspaceId, endpointId, status)))
                .map(rows -> {
                    List<DeliveryView> out = new ArrayList<>();
                    rows.forEach(r -> out.add(view(r, null)));
                    return out;
                });
    }

    /** One delivery with its attempt log (response bodies opened with the endpoint's key). */
    public Uni<DeliveryView> get(UUID workspaceId, UUID id) {
        return store.pool().preparedQuery("""
                select d.id, d.endpoint_id, d.msg_id, d.event_type, d.status, d.attempts, d.next_attempt_at,
                       d.created_at, d.last_attempt_at, d.finished_at, d.execution_id, e.data_key_wrapped
                  from webhook_delivery d join webhook_endpoint e on e.id = d.endpoint_id
                 where d.id = $1 and d.workspace_id = $2""")
                .execute(Tuple.of(id, workspaceId))
                .chain(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw MedhookException.notFound("Webhook delivery");
                    }
                    Row d = rows.iterator().next();
                    UUID endpointId = d.getUUID("endpoint_id");
                    return crypto.openKey(workspaceId, endpointId, d.getString("data_key_wrapped"))
                            .chain(key -> store.pool().preparedQuery("""
                                    select attempt, attempted_at, status_code, latency_ms, response_enc, error_type,
                                           cause
                                      from webhook_attempt where delivery_id = $1 order by attempt""")
                                    .execute(Tuple.of(id))
                                    .map(attempts -> {
                                        List<DeliveryView.AttemptView> log = new ArrayList<>();
                                        for (Row a : attempts) {
                                            var enc = a.getBuffer("response_enc");
                                            String resp = enc == null ? null : new String(EndpointCrypto.openResponse(
                                                    key, workspaceId, endpointId, id, a.getInteger("attempt"),
                                                    enc.getBytes()), StandardCharsets.UTF_8);
                                            log.add(new DeliveryView.AttemptView(a.getInteger("attempt"),
                                                    a.getOffsetDateTime("attempted_at").toInstant(),
                                                    a.getInteger("status_code"), a.getInteger("latency_ms"), resp,
                                                    a.getString("error_type"), a.getString("cause")));
                                        }
                                        Arrays.fill(key, (byte) 0);
                                        return view(d, log);
                                    }));
                });
    }

    /**
     * Queues one delivery again (failed or succeeded; not one still pending or being sent), due now, the retry
     * schedule from its start, the same {@code webhook-id}; audited; rate-limited per workspace.
     */
    public Uni<DeliveryView> redeliver(UUID workspaceId, UUID id, AuditContext audit) {
        takeRedelivery(workspaceId);
        Instant now = now();
        return store.pool().withTransaction(tx -> tx.preparedQuery("""
                select status, endpoint_id, msg_id, event_type, attempts from webhook_delivery
                 where id = $1 and workspace_id = $2 for update""")
                .execute(Tuple.of(id, workspaceId))
                .chain(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw MedhookException.notFound("Webhook delivery");
                    }
                    Row r = rows.iterator().next();
                    String status = r.getString("status");
                    if (!"failed".equals(status) && !"succeeded".equals(status)) {
                        throw MedhookException.conflict("The delivery is " + status + "; only a failed or succeeded "
                                + "delivery can be redelivered");
                    }
                    return requeue(tx, List.of(id), now).chain(() -> AuditOutbox.append(tx, AuditEvent.of(audit,
                            "webhook_delivery.redeliver", "webhook_delivery", id.toString(), workspaceId.toString(),
                            AuditEvent.Outcome.success, AuditChange.updated(
                                    new DeliveryAudit(r.getUUID("endpoint_id").toString(), r.getString("msg_id"),
                                            r.getString("event_type"), status, r.getInteger("attempts"), null),
                                    new DeliveryAudit(r.getUUID("endpoint_id").toString(), r.getString("msg_id"),
                                            r.getString("event_type"), "pending", r.getInteger("attempts"),
                                            null)))));
                }))
                .invoke(this::wake)
                .chain(() -> get(workspaceId, id));
    }

    /** Queues again every failed delivery of an endpoint that failed at or after {@code since}; one audit event. */
    public Uni<RedeliveryAccepted> redeliverFailed(UUID workspaceId, UUID endpointId, RedeliverRequest req,
            AuditContext audit) {
        if (req == null || req.since() == null) {
            throw MedhookException.validation("since is required (an RFC 3339 time)",
                    Map.of("errors", List.of(Map.of("field", "since", "message", "is required"))));
        }
        takeRedelivery(workspaceId);
        Instant now = now();
        return store.pool().withTransaction(tx -> endpoints.find(tx, workspaceId, endpointId, false)
                .chain(ep -> tx.preparedQuery("""
                        select id from webhook_delivery
                         where endpoint_id = $1 and status = 'failed' and finished_at >= $2 for update""")
                        .execute(Tuple.of(endpointId, DeliveryStore.at(req.since())))
                        .chain(rows -> {
                            List<UUID> ids = new ArrayList<>();
                            rows.forEach(r -> ids.add(r.getUUID("id")));
                            return requeue(tx, ids, now)
                                    .chain(() -> AuditOutbox.append(tx, AuditEvent.of(audit,
                                            "webhook_endpoint.redeliver_failed", "webhook_endpoint",
                                            endpointId.toString(), workspaceId.toString(),
                                            AuditEvent.Outcome.success, AuditChange.created(
                                                    new BulkRedeliveryAudit(req.since().toString(), ids.size())))))
                                    .replaceWith(new RedeliveryAccepted(ids.size()));
                        })))
                .invoke(x -> wake());
    }

    /** What the audit trail keeps of a bulk redelivery. */
    public record BulkRedeliveryAudit(String since, int queued) {
    }

    private static Uni<Void> requeue(SqlClient tx, List<UUID> ids, Instant now) {
        if (ids.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return tx.preparedQuery("""
                update webhook_delivery set status = 'pending', retry_index = 0, next_attempt_at = $2,
                                            finished_at = null, lease_owner = null, lease_until = null
                 where id = any($1)""")
                .execute(Tuple.of(ids.toArray(UUID[]::new), DeliveryStore.at(now))).replaceWithVoid();
    }

    /** At most {@code redeliveries-per-minute} redelivery requests per workspace (this replica); 429 beyond. */
    private void takeRedelivery(UUID workspaceId) {
        long nowMs = clock.millis();
        Deque<Long> window = redeliveries.computeIfAbsent(workspaceId, k -> new ArrayDeque<>());
        synchronized (window) {
            while (!window.isEmpty() && window.peekFirst() <= nowMs - 60_000) {
                window.pollFirst();
            }
            if (window.size() >= config.redeliveriesPerMinute()) {
                throw new MedhookException(ErrorKind.TOO_MANY_REQUESTS, "At most " + config.redeliveriesPerMinute()
                        + " redelivery requests per minute per workspace; retry later");
            }
            window.addLast(nowMs);
        }
    }

    private static DeliveryView view(Row r, List<DeliveryView.AttemptView> log) {
        UUID exec = r.getUUID("execution_id");
        return new DeliveryView(r.getUUID("id").toString(), r.getUUID("endpoint_id").toString(), r.getString("msg_id"),
                r.getString("event_type"), r.getString("status"), r.getInteger("attempts"),
                EndpointRow.instant(r.getOffsetDateTime("next_attempt_at")),
                EndpointRow.instant(r.getOffsetDateTime("created_at")),
                EndpointRow.instant(r.getOffsetDateTime("last_attempt_at")),
                EndpointRow.instant(r.getOffsetDateTime("finished_at")), exec == null ? null : exec.toString(), log);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}

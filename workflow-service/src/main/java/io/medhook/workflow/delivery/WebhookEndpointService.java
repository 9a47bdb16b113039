package io.medhook.workflow.delivery;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.common.Ids;
import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.AuditOutbox;
import io.medhook.common.problem.MedhookException;
import io.medhook.workflow.WorkflowConfig;
import io.medhook.workflow.egress.EgressClient;
import io.medhook.workflow.egress.EgressException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;

import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Webhook endpoints per workspace: validation, the sealed signing secrets (created, rotated with an overlap), and an
 * audit event in the transaction of every change. Secrets leave this class only in the answer to a creation or a
 * rotation and, for signing, through {@link #readSecrets} (package-private, for the dispatcher).
 */
@ApplicationScoped
public class WebhookEndpointService {

    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {
    };
    private static final Pattern EVENT_TYPE = Pattern.compile("\\*|[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}");
    /** Headers a delivery sets itself, or that the transport owns. */
    private static final Set<String> RESERVED_HEADERS = Set.of("webhook-id", "webhook-timestamp", "webhook-signature",
            "content-type", "content-length", "host", "transfer-encoding", "connection", "upgrade", "te", "trailer",
            "keep-alive", "proxy-connection");
    private static final int MAX_HEADERS = 20;
    private static final int MAX_SCHEDULE = 20;
    /** The longest single delay in a retry schedule: 2 days. */
    private static final int MAX_DELAY_SECONDS = 2 * 24 * 3600;

    private final Pool pool;
    private final ObjectMapper json;
    private final EndpointCrypto crypto;
    private final WorkflowConfig.Delivery config;
    private final Clock clock;

    public WebhookEndpointService(Pool pool, ObjectMapper json, EndpointCrypto crypto, WorkflowConfig config,
            Clock clock) {
        this.pool = pool;
        this.json = json;
        this.crypto = crypto;
        this.config = config.delivery();
        this.clock = clock;
    }

    /** The signing secrets of an endpoint: the current one, and the previous one while its overlap lasts. */
    record Secrets(String current, String previous) {
    }

    /**
     * Creates an endpoint. {@code kind} is the workspace's kind as auth-service reported it for the caller, or null
     * when it could not (API keys, services, auth-service unreachable): then the configured kind applies.
     */
    public Uni<WebhookEndpointView> create(UUID workspaceId, WebhookEndpointRequest body, AuditContext audit,
            String kind) {
        if (body == null) {
            throw MedhookException.badRequest("A webhook endpoint body is required");
        }
        Settings s = validate(workspaceId, body, null, kind);
        UUID id = Ids.uuidV7();
        String secret = StandardWebhooks.newSecret();
        Instant now = now();
        return crypto.newKey(workspaceId, id).chain(key -> {
            byte[] sealed = EndpointCrypto.sealSecrets(key.key(), workspaceId, id, secretsJson(secret, null));
            Arrays.fill(key.key(), (byte) 0);
            return pool.withTransaction(tx -> tx.preparedQuery("""
                    insert into webhook_endpoint (id, workspace_id, url, description, event_types, workflow_ids,
                        headers, enabled, disabled_reason, disabled_at, rate_limit, retry_schedule, timeout_ms,
                        secrets_enc, data_key_wrapped, version, created_at, updated_at)
                    values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16, $16)
                    returning""" + " " + EndpointRow.COLUMNS)
                    .execute(Tuple.from(Arrays.asList(id, workspaceId, s.url, s.description,
                            s.eventTypes.toArray(String[]::new), s.workflowIds.toArray(UUID[]::new),
                            write(s.headers), s.enabled, s.enabled ? null : "manual",
                            s.enabled ? null : now.atOffset(ZoneOffset.UTC), s.rateLimit,
                            s.retrySchedule == null ? null : s.retrySchedule.toArray(Integer[]::new),
                            s.timeoutSeconds * 1000, Buffer.buffer(sealed), key.wrapped(), now.atOffset(ZoneOffset.UTC))))
                    .map(rows -> EndpointRow.of(rows.iterator().next(), json))
                    .call(row -> AuditOutbox.append(tx, event(audit, "webhook_endpoint.create", row,
                            AuditChange.created(snapshot(row, secret))))))
                    .map(row -> row.view().withSecret(secret));
        });
    }

    public Uni<List<WebhookEndpointView>> list(UUID workspaceId) {
        return pool.preparedQuery("select " + EndpointRow.COLUMNS
                + " from webhook_endpoint where workspace_id = $1 order by created_at desc, id")
                .execute(Tuple.of(workspaceId))
                .map(rows -> {
                    List<WebhookEndpointView> out = new ArrayList<>();
                    rows.forEach(r -> out.add(EndpointRow.of(r, json).view()));
                    return out;
                });
    }

    public Uni<WebhookEndpointView> get(UUID workspaceId, UUID id) {
        return find(pool, workspaceId, id, false).map(EndpointRow::view);
    }

    Uni<EndpointRow> find(SqlClient c, UUID workspaceId, UUID id, boolean lock) {
        return c.preparedQuery("select " + EndpointRow.COLUMNS
                + " from webhook_endpoint where id = $1 and workspace_id = $2" + (lock ? " for update" : ""))
                .execute(Tuple.of(id, workspaceId))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw MedhookException.notFound("Webhook endpoint");
                    }
                    return EndpointRow.of(rows.iterator().next(), json);
                });
    }

    /** Given fields replace, omitted ones stay. Enabling again clears the disabled reason and the failing period. */
    public Uni<WebhookEndpointView> update(UUID workspaceId, UUID id, WebhookEndpointRequest body,
            AuditContext audit, String kind) {
        if (body == null) {
            throw MedhookException.badRequest("A webhook endpoint body is required");
        }
        return pool.withTransaction(tx -> find(tx, workspaceId, id, true).chain(old -> {
            Settings s = validate(workspaceId, body, old, kind);
            String marker = "unchanged";
            Instant now = now();
            boolean reenabled = s.enabled && !old.enabled();
            return tx.preparedQuery("""
                    update webhook_endpoint set url = $3, description = $4, event_types = $5, workflow_ids = $6,
                        headers = $7::jsonb, enabled = $8,
                        disabled_reason = case when $8 then null when enabled then 'manual' else disabled_reason end,
                        disabled_at = case when $8 then null when enabled then $12 else disabled_at end,
                        failing_since = case when $13 then null else failing_since end,
                        rate_limit = $9, retry_schedule = $10, timeout_ms = $11, version = version + 1,
                        updated_at = $12
                     where id = $1 and workspace_id = $2
                    returning""" + " " + EndpointRow.COLUMNS)
                    .execute(Tuple.from(Arrays.asList(id, workspaceId, s.url, s.description,
                            s.eventTypes.toArray(String[]::new), s.workflowIds.toArray(UUID[]::new),
                            write(s.headers), s.enabled, s.rateLimit,
                            s.retrySchedule == null ? null : s.retrySchedule.toArray(Integer[]::new),
                            s.timeoutSeconds * 1000, now.atOffset(ZoneOffset.UTC), reenabled)))
                    .map(rows -> EndpointRow.of(rows.iterator().next(), json))
                    .call(row -> AuditOutbox.append(tx, event(audit, "webhook_endpoint.update", row,
                            AuditChange.updated(snapshot(old, marker), snapshot(row, marker)))));
        })).map(EndpointRow::view);
    }

    /** Deletes the endpoint, its sealed secrets and its deliveries. */
    public Uni<Void> delete(UUID workspaceId, UUID id, AuditContext audit) {
        return pool.withTransaction(tx -> find(tx, workspaceId, id, true).chain(old -> tx
                .preparedQuery("delete from webhook_endpoint where id = $1").execute(Tuple.of(id))
                .chain(() -> AuditOutbox.append(tx, event(audit, "webhook_endpoint.delete", old,
                        AuditChange.deleted(snapshot(old, "deleted")))))));
    }

    /**
     * A new signing secret; the current one becomes the previous one and keeps signing until the overlap ends (a
     * previous secret still in its overlap is dropped). The new secret is in the answer, and only there.
     */
    public Uni<WebhookEndpointView> rotate(UUID workspaceId, UUID id, SecretRotationRequest body,
            AuditContext audit) {
        long overlap = body == null || body.overlapSeconds() == null ? config.secretOverlap().toSeconds()
                : body.overlapSeconds();
        if (overlap < 0 || overlap > Duration.ofDays(7).toSeconds()) {
            throw MedhookException.validation("overlapSeconds must be between 0 and 604800", Map.of("errors",
                    List.of(Map.of("field", "overlapSeconds", "message", "must be between 0 and 604800"))));
        }
        String secret = StandardWebhooks.newSecret();
        return pool.withTransaction(tx -> find(tx, workspaceId, id, true).chain(old -> crypto
                .openKey(workspaceId, id, old.dataKeyWrapped()).chain(key -> {
                    Secrets current = readSecrets(key, old);
                    Instant now = now();
                    byte[] sealed = EndpointCrypto.sealSecrets(key, workspaceId, id,
                            secretsJson(secret, overlap > 0 ? current.current() : null));
                    Arrays.fill(key, (byte) 0);
                    return tx.preparedQuery("""
                            update webhook_endpoint set secrets_enc = $3, previous_valid_until = $4,
                                version = version + 1, updated_at = $5
                             where id = $1 and workspace_id = $2
                            returning""" + " " + EndpointRow.COLUMNS)
                            .execute(Tuple.from(Arrays.asList(id, workspaceId, Buffer.buffer(sealed),
                                    overlap > 0 ? now.plusSeconds(overlap).atOffset(ZoneOffset.UTC) : null,
                                    now.atOffset(ZoneOffset.UTC))))
                            .map(rows -> EndpointRow.of(rows.iterator().next(), json))
                            .call(row -> AuditOutbox.append(tx, event(audit, "webhook_endpoint.rotate_secret", row,
                                    AuditChange.updated(snapshot(old, current.current()), snapshot(row, secret)))));
                })))
                .map(row -> row.view().withSecret(secret));
    }

    Secrets readSecrets(byte[] key, EndpointRow row) {
        byte[] plain = EndpointCrypto.openSecrets(key, row.workspaceId(), row.id(), row.secretsEnc());
        try {
            Map<String, String> m = json.readValue(plain, STRING_MAP);
            return new Secrets(m.get("current"), m.get("previous"));
        } catch (java.io.IOException e) {
            throw EndpointCrypto.unreadable(row.id(), null);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private byte[] secretsJson(String current, String previous) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("current", current);
        if (previous != null) {
            m.put("previous", previous);
        }
        try {
            return json.writeValueAsBytes(m);
        } catch (Exception e) {
            throw new IllegalStateException("secrets cannot be serialised");
        }
    }

    /**
     * Whether a workspace is a sandbox (http endpoints allowed) rather than production (https only): as auth-service
     * said ({@code reported}), else as configured.
     */
    boolean sandbox(UUID workspaceId, String reported) {
        String kind = reported != null ? reported
                : config.workspaceKinds().getOrDefault(workspaceId.toString(), config.defaultWorkspaceKind());
        return "sandbox".equals(kind);
    }

    private record Settings(String url, String description, List<String> eventTypes, List<UUID> workflowIds,
            Map<String, String> headers, boolean enabled, Integer rateLimit, List<Integer> retrySchedule,
            int timeoutSeconds) {
    }

    private Settings validate(UUID workspaceId, WebhookEndpointRequest b, EndpointRow old, String kind) {
        List<Map<String, String>> errors = new ArrayList<>();
        String url = b.url() != null ? b.url() : old == null ? null : old.url();
        if (url == null || url.isBlank()) {
            errors.add(error("url", "is required"));
        } else if (url.length() > 2048) {
            errors.add(error("url", "is longer than 2048 characters"));
        } else {
            try {
                EgressClient.checkUrl(url);
                if (!url.toLowerCase(Locale.ROOT).startsWith("https://") && !sandbox(workspaceId, kind)) {
                    errors.add(error("url", "must be https in a production workspace (http is allowed in sandbox "
                            + "workspaces only)"));
                }
            } catch (EgressException e) {
                errors.add(error("url", "is not usable: " + e.getMessage()));
            }
        }
        String description = b.description() != null ? b.description() : old == null ? "" : old.description();
        if (description.length() > 500) {
            errors.add(error("description", "is longer than 500 characters"));
        }
        List<String> types = b.eventTypes() != null ? b.eventTypes() : old == null ? List.of() : old.eventTypes();
        if (types.size() > 50) {
            errors.add(error("eventTypes", "has more than 50 entries"));
        }
        for (String t : types) {
            if (t == null || !EVENT_TYPE.matcher(t).matches()) {
                errors.add(error("eventTypes", "entries must be '*' or names of letters, digits, '.', '_' and '-' "
                        + "(at most 100)"));
                break;
            }
        }
        List<UUID> workflows = new ArrayList<>();
        if (b.workflowIds() != null) {
            for (String w : b.workflowIds()) {
                try {
                    workflows.add(UUID.fromString(w));
                } catch (RuntimeException e) {
                    errors.add(error("workflowIds", "entries must be workflow ids"));
                    break;
                }
            }
        } else if (old != null) {
            workflows.addAll(old.workflowIds());
        }
        Map<String, String> headers = b.headers() != null ? b.headers() : old == null ? Map.of() : old.headers();
        if (headers.size() > MAX_HEADERS) {
            errors.add(error("headers", "has more than " + MAX_HEADERS + " entries"));
        }
        for (var h : headers.entrySet()) {
            if (!HEADER_NAME.matcher(h.getKey()).matches() || h.getValue() == null || h.getValue().length() > 1000
                    || h.getValue().chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
                errors.add(error("headers", "names must be HTTP tokens and values printable text (at most 1000)"));
                break;
            }
            if (RESERVED_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                errors.add(error("headers", "'" + h.getKey() + "' is set by the delivery itself"));
                break;
            }
        }
        boolean enabled = b.enabled() != null ? b.enabled() : old == null || old.enabled();
        Integer rate = b.rateLimit() != null ? (b.rateLimit() == 0 ? null : b.rateLimit())
                : old == null ? null : old.rateLimit();
        if (rate != null && (rate < 0 || rate > 10_000)) {
            errors.add(error("rateLimit", "must be between 1 and 10000 deliveries per second (0: no limit)"));
        }
        List<Integer> schedule = b.retrySchedule() != null ? (b.retrySchedule().isEmpty() ? null : b.retrySchedule())
                : old == null ? null : old.retrySchedule();
        if (schedule != null) {
            if (schedule.size() > MAX_SCHEDULE) {
                errors.add(error("retrySchedule", "has more than " + MAX_SCHEDULE + " attempts"));
            }
            if (schedule.stream().anyMatch(d -> d == null || d < 0 || d > MAX_DELAY_SECONDS)) {
                errors.add(error("retrySchedule", "delays must be seconds between 0 and " + MAX_DELAY_SECONDS));
            }
        }
        int timeout = b.timeoutSeconds() != null ? b.timeoutSeconds()
                : old == null ? (int) config.timeout().toSeconds() : old.timeoutMs() / 1000;
        if (timeout < 1 || timeout > config.maxTimeout().toSeconds()) {
            errors.add(error("timeoutSeconds", "must be between 1 and " + config.maxTimeout().toSeconds()));
        }
        if (!errors.isEmpty()) {
            Map<String, String> first = errors.get(0);
            throw MedhookException.validation("The webhook endpoint is not valid: " + first.get("field") + " "
                    + first.get("message") + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : ""),
                    Map.of("errors", errors));
        }
        return new Settings(url, description, List.copyOf(types), workflows, Map.copyOf(headers), enabled, rate,
                schedule == null ? null : List.copyOf(schedule), timeout);
    }

    private static Map<String, String> error(String field, String message) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("field", field);
        m.put("message", message);
        return m;
    }

    /** Headers as a JSON object parameter (a Java string would be stored as a JSON string). */
    private static io.vertx.core.json.JsonObject write(Map<String, String> headers) {
        return new io.vertx.core.json.JsonObject(new LinkedHashMap<String, Object>(headers));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /** The audit snapshot; {@code secret} stands for the signing secret and is reduced to a fingerprint (masked). */
    static WebhookEndpointAudit snapshot(EndpointRow r, String secret) {
        return new WebhookEndpointAudit(r.url(), r.description(), r.eventTypes(),
                r.workflowIds().stream().map(UUID::toString).toList(), r.headers(), r.enabled(), r.disabledReason(),
                r.rateLimit(), r.retrySchedule(), r.timeoutMs() / 1000, r.version(), fingerprint(secret));
    }

    private static String fingerprint(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static AuditEvent event(AuditContext audit, String action, EndpointRow r, Map<String, Object> change) {
        return AuditEvent.of(audit, action, "webhook_endpoint", r.id().toString(), r.workspaceId().toString(),
                AuditEvent.Outcome.success, change);
    }

}

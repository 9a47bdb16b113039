package io.medhook.workflow.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.common.Ids;
import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.medhook.workflow.WorkflowConfig;
import io.medhook.workflow.engine.ExecutionEngine;
import io.medhook.workflow.engine.PayloadCrypto;
import io.medhook.workflow.execution.ExecutionAudit;
import io.medhook.workflow.execution.ExecutionStore;
import io.medhook.workflow.workflow.WorkflowService;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Accepts inbound webhook calls: finds the workflow by the SHA-256 of its URL token, stores the payload encrypted,
 * enqueues the execution durably (with its audit event) and wakes the local engine. The answer does not wait for the
 * execution.
 */
@ApplicationScoped
public class WebhookService {

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_\\-]{43}");
    /** Credentials a sender may put in headers: never stored with the payload. */
    private static final Set<String> STRIPPED = Set.of("authorization", "cookie", "proxy-authorization",
            "x-api-key", "webhook-signature", "x-hub-signature", "x-hub-signature-256");

    private final ExecutionStore store;
    private final PayloadCrypto crypto;
    private final ExecutionEngine engine;
    private final ObjectMapper json;
    private final WorkflowConfig config;

    public WebhookService(ExecutionStore store, PayloadCrypto crypto, ExecutionEngine engine, ObjectMapper json,
            WorkflowConfig config) {
        this.store = store;
        this.crypto = crypto;
        this.engine = engine;
        this.json = json;
        this.config = config;
    }

    public Uni<UUID> accept(String token, byte[] body, String contentType, Map<String, String> headers,
            AuditContext ctx) {
        if (token == null || !TOKEN.matcher(token).matches()) {
            return Uni.createFrom().failure(MedhookException.notFound("Webhook"));
        }
        if (body.length > config.webhook().maxBodyBytes()) {
            return Uni.createFrom().failure(new MedhookException(ErrorKind.PAYLOAD_TOO_LARGE,
                    "The body is larger than " + config.webhook().maxBodyBytes() + " bytes"));
        }
        JsonNode parsedBody = parse(body, contentType);
        ObjectNode input = json.createObjectNode();
        input.set("body", parsedBody);
        ObjectNode h = input.putObject("headers");
        headers.forEach((k, v) -> {
            String name = k.toLowerCase(Locale.ROOT);
            if (!STRIPPED.contains(name)) {
                h.put(name, v);
            }
        });
        byte[] plaintext;
        try {
            plaintext = json.writeValueAsBytes(input);
        } catch (Exception e) {
            return Uni.createFrom().failure(MedhookException.badRequest("The body cannot be stored"));
        }
        return store.pool().preparedQuery("""
                select id, workspace_id, current_version from workflow
                 where webhook_token_hash = $1 and deleted_at is null and active""")
                .execute(Tuple.of(io.vertx.core.buffer.Buffer.buffer(WorkflowService.sha256(token))))
                .chain(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw MedhookException.notFound("Webhook");
                    }
                    Row w = rows.iterator().next();
                    UUID workflowId = w.getUUID("id");
                    UUID workspaceId = w.getUUID("workspace_id");
                    int version = w.getInteger("current_version");
                    UUID executionId = Ids.uuidV7();
                    return crypto.newKey(workspaceId, executionId).chain(k -> {
                        byte[] sealed = PayloadCrypto.seal(k.key(), executionId, PayloadCrypto.inputSlot(), plaintext);
                        AuditEvent audit = AuditEvent.of(ctx, "execution.create", "execution", executionId.toString(),
                                workspaceId.toString(), AuditEvent.Outcome.success,
                                AuditChange.created(new ExecutionAudit(workflowId.toString(), version, "webhook",
                                        body.length, "queued", null)));
                        return store.enqueue(executionId, workspaceId, workflowId, version, "webhook", sealed,
                                k.wrapped(), audit);
                    }).replaceWith(executionId);
                })
                .invoke(engine::wake);
    }

    private JsonNode parse(byte[] body, String contentType) {
        String ct = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (body.length == 0) {
            return json.nullNode();
        }
        if (ct.isEmpty() || ct.contains("json")) {
            try {
                JsonNode n = json.readTree(body);
                if (n == null || n.isMissingNode()) {
                    throw MedhookException.badRequest("The body is not valid JSON");
                }
                return n;
            } catch (MedhookException e) {
                throw e;
            } catch (Exception e) {
                throw MedhookException.badRequest("The body is not valid JSON");
            }
        }
        return json.getNodeFactory().textNode(new String(body, StandardCharsets.UTF_8));
    }
}

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
import io.medhook.common.audit.AuditOutbox;
import io.medhook.workflow.WorkflowConfig;
import io.medhook.workflow.credential.CredentialType;
import io.medhook.workflow.credential.CredentialVault;
import io.medhook.workflow.definition.TriggerDefinition;
import io.medhook.workflow.engine.ExecutionEngine;
import io.medhook.workflow.engine.PayloadCrypto;
import io.medhook.workflow.execution.ExecutionAudit;
import io.medhook.workflow.execution.ExecutionStore;
import io.medhook.workflow.workflow.WorkflowService;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
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

    private static final Logger LOG = Logger.getLogger(WebhookService.class);
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_\\-]{43}");
    /** Credentials a sender may put in headers: never stored with the payload. */
    private static final Set<String> STRIPPED = Set.of("authorization", "cookie", "proxy-authorization",
            "x-api-key", "webhook-signature", "x-hub-signature", "x-hub-signature-256");

    private final ExecutionStore store;
    private final PayloadCrypto crypto;
    private final ExecutionEngine engine;
    private final ObjectMapper json;
    private final WorkflowConfig config;
    private final CredentialVault vault;
    private final Clock clock;

    public WebhookService(ExecutionStore store, PayloadCrypto crypto, ExecutionEngine engine, ObjectMapper json,
            WorkflowConfig config, CredentialVault vault, Clock clock) {
        this.vault = vault;
        this.clock = clock;
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
        return store.pool().preparedQuery("""
                select w.id, w.workspace_id, w.current_version, (v.definition -> 'trigger')::text as trig
                  from workflow w join workflow_version v on v.workflow_id = w.id and v.version = w.current_version
                 where w.webhook_token_hash = $1 and w.deleted_at is null and w.active""")
                .execute(Tuple.of(io.vertx.core.buffer.Buffer.buffer(WorkflowService.sha256(token))))
                .chain(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw MedhookException.notFound("Webhook");
                    }
                    Row w = rows.iterator().next();
                    TriggerDefinition trigger = trigger(w.getString("trig"));
                    if (trigger == null || !"webhook".equals(trigger.type())) {
                        // a scheduled workflow has no webhook: its URL is as unknown as a wrong token
                        throw MedhookException.notFound("Webhook");
                    }
                    UUID workflowId = w.getUUID("id");
                    UUID workspaceId = w.getUUID("workspace_id");
                    int version = w.getInteger("current_version");
                    return verify(trigger.signature(), workspaceId, workflowId, body, headers, ctx)
                            .chain(() -> enqueue(workspaceId, workflowId, version, trigger.signature(), body,
                                    contentType, headers, ctx));
                })
                .invoke(engine::wake);
    }

    private Uni<UUID> enqueue(UUID workspaceId, UUID workflowId, int version, TriggerDefinition.Signature signature,
            byte[] body, String contentType, Map<String, String> headers, AuditContext ctx) {
        JsonNode parsedBody = parse(body, contentType);
        ObjectNode input = json.createObjectNode();
        input.set("body", parsedBody);
        ObjectNode h = input.putObject("headers");
        String signatureHeader = signature == null ? null : WebhookSignature.signatureHeader(signature);
        headers.forEach((k, v) -> {
            String name = k.toLowerCase(Locale.ROOT);
            if (!STRIPPED.contains(name) && !name.equals(signatureHeader)) {
                h.put(name, v);
            }
        });
        byte[] plaintext;
        try {
            plaintext = json.writeValueAsBytes(input);
        } catch (Exception e) {
            return Uni.createFrom().failure(MedhookException.badRequest("The body cannot be stored"));
        }
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
    }

    /**
     * Checks the inbound signature when the trigger asks for one, over the raw body bytes as received. A refusal is
     * audited ({@code webhook.signature.rejected}: scheme and reason, never the body, signature or secret) and
     * answered 401 with the reason; nothing is stored.
     */
    private Uni<Void> verify(TriggerDefinition.Signature signature, UUID workspaceId, UUID workflowId, byte[] body,
            Map<String, String> headers, AuditContext ctx) {
        if (signature == null) {
            return Uni.createFrom().voidItem();
        }
        return vault.resolve(workspaceId, UUID.fromString(signature.credentialId()))
                .onFailure().recoverWithNull()
                .chain(credential -> {
                    String secret = credential == null || credential.type() != CredentialType.WEBHOOK_SECRET ? null
                            : credential.value("secret");
                    String reason;
                    if (secret == null) {
                        LOG.warnf("workflow %s: the webhook signing credential cannot be used (missing, wrong type"
                                + " or undecryptable); inbound calls are refused", workflowId);
                        reason = "the signature cannot be verified";
                    } else {
                        try {
                            WebhookSignature.verify(signature, secret, body, WebhookSignature.lookup(headers),
                                    clock.instant());
                            return Uni.createFrom().voidItem();
                        } catch (WebhookSignature.Rejected r) {
                            reason = r.reason();
                        }
                    }
                    String why = reason;
                    AuditEvent audit = AuditEvent.of(ctx, "webhook.signature.rejected", "workflow",
                            workflowId.toString(), workspaceId.toString(), AuditEvent.Outcome.denied,
                            Map.of("scheme", signature.scheme(), "reason", why));
                    return store.pool().withTransaction(tx -> AuditOutbox.append(tx, audit))
                            .onFailure().invoke(f -> LOG.warnf("workflow %s: auditing a rejected signature failed: %s",
                                    workflowId, f.getClass().getSimpleName()))
                            .onFailure().recoverWithNull()
                            .chain(() -> Uni.createFrom().<Void>failure(
                                    MedhookException.unauthorized("Webhook signature rejected: " + why)));
                });
    }

    private TriggerDefinition trigger(String trig) {
        if (trig == null) {
            return null;
        }
        try {
            return json.readValue(trig, TriggerDefinition.class);
        } catch (Exception e) {
            throw new IllegalStateException("stored trigger is unreadable");
        }
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

package io.medhook.workflow.execution;

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
import io.medhook.workflow.engine.ExecutionEngine;
import io.medhook.workflow.engine.PayloadCrypto;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Executions from the API: manual runs, cancellation, re-runs, listing and reading back. Owns the transactions; every
 * change is audited in the same transaction. Payload reads are PHI access: decrypted only for callers allowed to see
 * them, and audited.
 */
@ApplicationScoped
public class ExecutionService {

    public static final Set<String> STATUSES = Set.of("queued", "running", "waiting", "succeeded", "failed",
            "cancelled", "timed_out");
    /** Statuses a re-run may start from ({@code succeeded} only from the start). */
    private static final Set<String> RERUNNABLE = Set.of("failed", "cancelled", "timed_out", "succeeded");
    private static final String CURSOR_PREFIX = "v1:";
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 200;

    private final ExecutionStore store;
    private final PayloadCrypto crypto;
    private final ObjectMapper json;
    private final ExecutionEngine engine;
    private final WorkflowConfig config;

    public ExecutionService(ExecutionStore store, PayloadCrypto crypto, ObjectMapper json, ExecutionEngine engine,
            WorkflowConfig config) {
        this.store = store;
        this.crypto = crypto;
        this.json = json;
        this.engine = engine;
        this.config = config;
    }

    /**
     * Queues a manual run of the workflow's current version; the input reaches the first nodes as {@code body} (with
     * no headers), like a webhook's. A deactivated workflow cannot be run (409).
     */
    public Uni<ExecutionAccepted> run(UUID workspaceId, UUID workflowId, RunRequest request, AuditContext audit) {
        if (request == null) {
            throw MedhookException.badRequest("A JSON body {\"input\": …} is required");
        }
        ObjectNode input = json.createObjectNode();
        input.set("body", request.input() == null ? json.nullNode() : request.input());
        input.putObject("headers");
        byte[] plaintext;
        try {
            plaintext = json.writeValueAsBytes(input);
        } catch (Exception e) {
            throw MedhookException.badRequest("The input cannot be stored");
        }
        if (plaintext.length > config.webhook().maxBodyBytes()) {
            throw new MedhookException(ErrorKind.PAYLOAD_TOO_LARGE,
                    "The input is larger than " + config.webhook().maxBodyBytes() + " bytes");
        }
        UUID executionId = Ids.uuidV7();
        return crypto.newKey(workspaceId, executionId)
                .chain(k -> store.pool().withTransaction(tx -> store.lockWorkflow(tx, workspaceId, workflowId)
                        .chain(w -> {
                            if (w == null) {
                                throw MedhookException.notFound("Workflow");
                            }
                            if (!w.active()) {
                                throw MedhookException.conflict("The workflow is deactivated; activate it to run it");
                            }
                            byte[] sealed = PayloadCrypto.seal(k.key(), executionId, PayloadCrypto.inputSlot(),
                                    plaintext);
                            AuditEvent event = AuditEvent.of(audit, "execution.create", "execution",
                                    executionId.toString(), workspaceId.toString(), AuditEvent.Outcome.success,
                                    AuditChange.created(new ExecutionAudit(workflowId.toString(), w.version(),
                                            "manual", plaintext.length, "queued", null)));
                            return store.insert(tx, executionId, workspaceId, workflowId, w.version(), "manual",
                                    sealed, k.wrapped(), null).chain(() -> AuditOutbox.append(tx, event));
                        })))
                .replaceWith(new ExecutionAccepted(executionId.toString(), null))
                .invoke(engine::wake);
    }

    /**
     * Cancels an execution: a queued one at once, a running one before its next step (the step in flight may finish).
     * A finished execution is a 409.
     */
    public Uni<CancelView> cancel(UUID workspaceId, UUID id, AuditContext audit) {
        return store.find(workspaceId, id).chain(row -> {
            if (row == null) {
                throw MedhookException.notFound("Execution");
            }
            String workflowId = row.workflowId().toString();
            return store.cancel(workspaceId, id, status -> {
                boolean queued = "queued".equals(status);
                return AuditEvent.of(audit, "execution.cancel", "execution", id.toString(), workspaceId.toString(),
                        AuditEvent.Outcome.success, AuditChange.updated(
                                new ExecutionLifecycleAudit(workflowId, row.version(), status, false, null, null,
                                        null),
                                new ExecutionLifecycleAudit(workflowId, row.version(), queued ? "cancelled" : status,
                                        true, null, null, null)));
            }).map(after -> {
                if (after == null) {
                    throw MedhookException.conflict("The execution has already finished");
                }
                return new CancelView(id.toString(), "cancelled".equals(after) ? "cancelled" : "cancelling");
            });
        });
    }

    /**
     * Queues a new execution that repeats a finished one on the same workflow version with the same input, re-sealed
     * under the new execution's own data key. From {@code failed-step}, the original's succeeded steps are copied in
     * (re-sealed) and the engine resumes at the first step that did not succeed.
     */
    public Uni<ExecutionAccepted> rerun(UUID workspaceId, UUID id, RerunRequest request, AuditContext audit) {
        String mode = request == null ? null : request.from();
        if (!"start".equals(mode) && !"failed-step".equals(mode)) {
            throw MedhookException.badRequest("from must be \"start\" or \"failed-step\"");
        }
        return store.find(workspaceId, id).chain(original -> {
            if (original == null) {
                throw MedhookException.notFound("Execution");
            }
            if (!RERUNNABLE.contains(original.status())) {
                throw MedhookException.conflict("Only a finished execution can be re-run; this one is "
                        + original.status());
            }
            if ("succeeded".equals(original.status()) && "failed-step".equals(mode)) {
                throw MedhookException.conflict("A succeeded execution has no failed step; re-run it from the start");
            }
            if (!original.payloadsKept()) {
                throw MedhookException.conflict("The input of this execution was not kept (payloads "
                        + original.payloads() + "); it cannot be re-run");
            }
            UUID newId = Ids.uuidV7();
            Uni<List<ExecutionStore.StepRow>> steps = "failed-step".equals(mode) ? store.steps(id)
                    : Uni.createFrom().item(List.of());
            return Uni.combine().all()
                    .unis(crypto.open(workspaceId, id, original.dataKeyWrapped()), crypto.newKey(workspaceId, newId),
                            steps)
                    .asTuple()
                    .chain(t -> {
                        byte[] oldKey = t.getItem1();
                        PayloadCrypto.DataKey newKey = t.getItem2();
                        byte[] input = PayloadCrypto.unseal(oldKey, id, PayloadCrypto.inputSlot(), original.inputEnc());
                        byte[] sealed = PayloadCrypto.seal(newKey.key(), newId, PayloadCrypto.inputSlot(), input);
                        List<ExecutionStore.CopiedStep> copies = new ArrayList<>();
                        for (ExecutionStore.StepRow s : t.getItem3()) {
                            if ("succeeded".equals(s.status()) && s.outputEnc() != null) {
                                String slot = PayloadCrypto.outputSlot(s.nodeId());
                                byte[] output = PayloadCrypto.unseal(oldKey, id, slot, s.outputEnc());
                                copies.add(new ExecutionStore.CopiedStep(s.nodeId(),
                                        PayloadCrypto.seal(newKey.key(), newId, slot, output), s.attempts(),
                                        s.startedAt(), s.finishedAt()));
                            }
                        }
                        AuditEvent event = AuditEvent.of(audit, "execution.rerun", "execution", newId.toString(),
                                workspaceId.toString(), AuditEvent.Outcome.success,
                                AuditChange.created(new ExecutionLifecycleAudit(original.workflowId().toString(),
                                        original.version(), "queued", null, id.toString(), mode, copies.size())));
                        return store.pool().withTransaction(tx -> store.lockWorkflow(tx, workspaceId,
                                original.workflowId()).chain(w -> {
                                    if (w == null) {
                                        throw MedhookException.conflict("The workflow was deleted; it cannot run again");
                                    }
                                    if (!w.active()) {
                                        throw MedhookException.conflict(
                                                "The workflow is deactivated; activate it to re-run");
                                    }
                                    return store.insert(tx, newId, workspaceId, original.workflowId(),
                                            original.version(), "rerun", sealed, newKey.wrapped(), id)
                                            .chain(() -> store.insertSucceededSteps(tx, newId, copies))
                                            .chain(() -> AuditOutbox.append(tx, event));
                                }));
                    })
                    .replaceWith(new ExecutionAccepted(newId.toString(), id.toString()))
                    .invoke(engine::wake);
        });
    }

    /** A page of the workspace's executions, newest first, filtered; every bad filter or cursor is a 400. */
    public Uni<ExecutionList> list(UUID workspaceId, String workflowId, String parentExecutionId, String status,
            String from, String to, String limit, String cursor) {
        UUID parent = null;
        if (present(parentExecutionId)) {
            try {
                parent = UUID.fromString(parentExecutionId.strip());
            } catch (IllegalArgumentException e) {
                throw MedhookException.badRequest("parentExecutionId is not an execution id");
            }
        }
        UUID workflow = null;
        if (present(workflowId)) {
            try {
                workflow = UUID.fromString(workflowId.strip());
            } catch (IllegalArgumentException e) {
                throw MedhookException.badRequest("workflowId is not a workflow id");
            }
        }
        String state = null;
        if (present(status)) {
            if (!STATUSES.contains(status.strip())) {
                throw MedhookException.badRequest("status must be one of " + new java.util.TreeSet<>(STATUSES));
            }
            state = status.strip();
        }
        OffsetDateTime since = time(from, "from");
        OffsetDateTime until = time(to, "to");
        if (since != null && until != null && !since.isBefore(until)) {
            throw MedhookException.badRequest("from must be before to");
        }
        int n = DEFAULT_LIMIT;
        if (present(limit)) {
            try {
                n = Integer.parseInt(limit.strip());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > MAX_LIMIT) {
                throw MedhookException.badRequest("limit must be a number from 1 to " + MAX_LIMIT);
            }
        }
        OffsetDateTime afterAt = null;
        UUID afterId = null;
        if (present(cursor)) {
            try {
                String c = new String(Base64.getUrlDecoder().decode(cursor.strip()), StandardCharsets.UTF_8);
                if (!c.startsWith(CURSOR_PREFIX)) {
                    throw new IllegalArgumentException();
                }
                String[] parts = c.substring(CURSOR_PREFIX.length()).split(":", 2);
                afterAt = Instant.EPOCH.plus(Long.parseLong(parts[0]), ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
                afterId = UUID.fromString(parts[1]);
            } catch (RuntimeException e) {
                throw MedhookException.badRequest("cursor is not a cursor of this listing");
            }
        }
        int pageSize = n;
        return store.list(workspaceId, workflow, parent, state, since, until, afterAt, afterId, pageSize + 1).map(rows -> {
            List<ExecutionList.Item> items = new ArrayList<>();
            for (int i = 0; i < Math.min(pageSize, rows.size()); i++) {
                ExecutionStore.ListedRow r = rows.get(i);
                items.add(new ExecutionList.Item(r.id().toString(), r.workflowId().toString(), r.version(),
                        r.status(), r.triggerType(), r.errorType(), r.rerunOf() == null ? null : r.rerunOf().toString(),
                        r.cancelRequested() && "running".equals(r.status()) ? Boolean.TRUE : null,
                        ExecutionStore.utc(r.createdAt()), ExecutionStore.utc(r.startedAt()),
                        ExecutionStore.utc(r.finishedAt()),
                        r.parentExecutionId() == null ? null : r.parentExecutionId().toString()));
            }
            String next = null;
            if (rows.size() > pageSize) {
                ExecutionStore.ListedRow last = rows.get(pageSize - 1);
                long micros = ChronoUnit.MICROS.between(Instant.EPOCH, last.createdAt().toInstant());
                next = Base64.getUrlEncoder().withoutPadding().encodeToString(
                        (CURSOR_PREFIX + micros + ":" + last.id()).getBytes(StandardCharsets.UTF_8));
            }
            return new ExecutionList(items, next);
        });
    }

    private static boolean present(String s) {
        return s != null && !s.isBlank();
    }

    private static OffsetDateTime time(String value, String name) {
        if (!present(value)) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value.strip()).withOffsetSameInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw MedhookException.badRequest(name + " must be an ISO-8601 date-time with an offset, e.g. "
                    + "2026-01-31T00:00:00Z");
        }
    }

    public Uni<ExecutionView> get(UUID workspaceId, UUID id, boolean withPayload, AuditContext audit) {
        return store.find(workspaceId, id).chain(row -> {
            if (row == null) {
                throw MedhookException.notFound("Execution");
            }
            // discarded or purged payloads: the status view says so; there is no key to open and nothing to audit
            Uni<byte[]> key = withPayload && row.payloadsKept() ? crypto.open(workspaceId, id, row.dataKeyWrapped())
                    : Uni.createFrom().nullItem();
            return Uni.combine().all().unis(store.steps(id), key).asTuple().chain(t -> {
                byte[] k = t.getItem2();
                List<ExecutionView.StepView> steps = new ArrayList<>();
                boolean payloadShown = false;
                for (ExecutionStore.StepRow s : t.getItem1()) {
                    JsonNode output = null;
                    String message = null;
                    if (k != null && s.outputEnc() != null) {
                        output = read(PayloadCrypto.unseal(k, id, PayloadCrypto.outputSlot(s.nodeId()), s.outputEnc()));
                        payloadShown = true;
                    }
                    if (k != null && s.errorEnc() != null) {
                        message = new String(PayloadCrypto.unseal(k, id, PayloadCrypto.errorSlot(s.nodeId()),
                                s.errorEnc()), StandardCharsets.UTF_8);
                        payloadShown = true;
                    }
                    steps.add(new ExecutionView.StepView(s.nodeId(), s.status(), output,
                            s.errorType() == null ? null : new ExecutionView.ErrorView(s.errorType(), message),
                            s.attempts(), ExecutionStore.utc(s.startedAt()), ExecutionStore.utc(s.finishedAt())));
                }
                JsonNode input = k == null ? null
                        : read(PayloadCrypto.unseal(k, id, PayloadCrypto.inputSlot(), row.inputEnc()));
                ExecutionView view = new ExecutionView(row.id().toString(), row.workflowId().toString(),
                        row.version(), row.status(), row.triggerType(),
                        row.errorType() == null ? null : new ExecutionView.ErrorView(row.errorType(), row.errorMessage()),
                        row.attempts(), input, steps, ExecutionStore.utc(row.createdAt()),
                        ExecutionStore.utc(row.startedAt()), ExecutionStore.utc(row.finishedAt()),
                        row.rerunOf() == null ? null : row.rerunOf().toString(),
                        row.cancelRequested() && "running".equals(row.status()) ? Boolean.TRUE : null,
                        row.payloadsKept() ? null : row.payloads(),
                        row.parentExecutionId() == null ? null : row.parentExecutionId().toString());
                if (k == null) {
                    return Uni.createFrom().item(view);
                }
                // reading payload data is PHI access: leave an audit event before answering
                AuditEvent event = AuditEvent.of(audit, "execution.payload.read", "execution", id.toString(),
                        workspaceId.toString(), AuditEvent.Outcome.success,
                        Map.of("after", Map.of("steps", steps.size(), "outputsShown", payloadShown)));
                return store.pool().withTransaction(tx -> AuditOutbox.append(tx, event)).replaceWith(view);
            });
        });
    }

    private JsonNode read(byte[] b) {
        try {
            return json.readTree(b);
        } catch (Exception e) {
            throw new IllegalStateException("stored payload is not JSON");
        }
    }
}

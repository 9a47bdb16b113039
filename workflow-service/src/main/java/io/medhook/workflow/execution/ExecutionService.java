package io.medhook.workflow.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.AuditOutbox;
import io.medhook.common.problem.MedhookException;
import io.medhook.workflow.engine.PayloadCrypto;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Reads executions back. Payload reads are PHI access: decrypted only for callers allowed to see them, and audited. */
@ApplicationScoped
public class ExecutionService {

    private final ExecutionStore store;
    private final PayloadCrypto crypto;
    private final ObjectMapper json;

    public ExecutionService(ExecutionStore store, PayloadCrypto crypto, ObjectMapper json) {
        this.store = store;
        this.crypto = crypto;
        this.json = json;
    }

    public Uni<ExecutionView> get(UUID workspaceId, UUID id, boolean withPayload, AuditContext audit) {
        return store.find(workspaceId, id).chain(row -> {
            if (row == null) {
                throw MedhookException.notFound("Execution");
            }
            Uni<byte[]> key = withPayload ? crypto.open(workspaceId, id, row.dataKeyWrapped())
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
                        ExecutionStore.utc(row.startedAt()), ExecutionStore.utc(row.finishedAt()));
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

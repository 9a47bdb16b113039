package io.medhook.workflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.workflow.definition.NodeDefinition;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code parallel}: {@code {"branches": [{"id", "type": "http"|"code"|"fhir"|"s3", "params"}…], "maxConcurrency": 4,
 * "onFailure": "fail"|"continue"}}. Runs every branch with the node's input, at most {@code maxConcurrency} at a time,
 * and joins: the output is an object keyed by branch id. Each finished branch is recorded as a step of its own
 * ({@code <node>#<branch>}, output encrypted like any step's), so an execution resumed after a lease loss, a retry of
 * the step or a re-run from the failed step runs only the branches that did not finish; an http or fhir branch's
 * idempotency key is {@code <execution>:<node>#<branch>}.
 *
 * <p>{@code onFailure: fail} (the default): once a branch fails, no further branch is started; branches already in
 * flight run to their end (and are recorded when they succeed), then the step fails with the first failure's type and a
 * message starting {@code branch <id>:}. {@code continue}: every branch runs; a failed branch appears in the output as
 * {@code {"error": {"type", "message"}}} and the step succeeds.
 */
@ApplicationScoped
public class ParallelNodeRunner implements NodeRunner {

    /** Default of {@code maxConcurrency}. */
    public static final int DEFAULT_CONCURRENCY = 4;

    private final Map<String, NodeRunner> branchRunners;
    private final ObjectMapper json;

    public ParallelNodeRunner(HttpNodeRunner http, CodeNodeRunner code, FhirNodeRunner fhir, S3NodeRunner s3,
            ObjectMapper json) {
        this.branchRunners = Map.of("http", http, "code", code, "fhir", fhir, "s3", s3);
        this.json = json;
    }

    @Override
    public String type() {
        return "parallel";
    }

    @Override
    public Uni<JsonNode> run(NodeDefinition node, JsonNode input, StepContext context) {
        ObjectNode p = node.params();
        int concurrency = p.hasNonNull("maxConcurrency") ? p.get("maxConcurrency").asInt() : DEFAULT_CONCURRENCY;
        boolean failFast = !"continue".equals(p.path("onFailure").asText("fail"));
        List<NodeDefinition> branches = new ArrayList<>();
        for (JsonNode b : p.get("branches")) {
            branches.add(new NodeDefinition(b.get("id").asText(), b.get("type").asText(),
                    b.hasNonNull("params") ? (ObjectNode) b.get("params") : json.createObjectNode()));
        }
        Map<String, JsonNode> results = new ConcurrentHashMap<>();
        AtomicReference<StepFailure> firstFailure = new AtomicReference<>();
        return Multi.createFrom().iterable(branches)
                .onItem().transformToUni(b -> Uni.createFrom().deferred(() -> branch(node, b, input, context,
                        failFast, results, firstFailure)))
                .merge(Math.max(1, concurrency))
                .collect().last()
                .map(x -> {
                    StepFailure f = firstFailure.get();
                    if (failFast && f != null) {
                        throw f;
                    }
                    ObjectNode out = json.createObjectNode();
                    branches.forEach(b -> out.set(b.id(), results.get(b.id())));
                    return (JsonNode) out;
                });
    }

    private Uni<Void> branch(NodeDefinition node, NodeDefinition b, JsonNode input, StepContext context,
            boolean failFast, Map<String, JsonNode> results, AtomicReference<StepFailure> firstFailure) {
        String stepId = node.id() + "#" + b.id();
        JsonNode done = context.recorded().get(stepId);
        if (done != null) {
            results.put(b.id(), done);
            return Uni.createFrom().voidItem();
        }
        if (failFast && firstFailure.get() != null) {
            return Uni.createFrom().voidItem();
        }
        NodeRunner runner = branchRunners.get(b.type());
        return runner.run(new NodeDefinition(stepId, b.type(), b.params()), input, context)
                .chain(out -> {
                    results.put(b.id(), out);
                    return context.recordItem().apply(stepId, out);
                })
                .onFailure(StepFailure.class).recoverWithItem(f -> {
                    StepFailure sf = (StepFailure) f;
                    firstFailure.compareAndSet(null, new StepFailure(sf.type(), "branch " + b.id() + ": "
                            + sf.getMessage()));
                    ObjectNode error = json.createObjectNode();
                    error.putObject("error").put("type", sf.type()).put("message", sf.getMessage());
                    results.put(b.id(), error);
                    return null;
                });
    }
}

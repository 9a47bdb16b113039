package io.medhook.workflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.workflow.definition.NodeDefinition;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.stream.IntStream;

/**
 * {@code loop}: {@code {"items": "body.list", "maxItems": 1000, "body": {"type": "http"|"code", "params": {…}}}}. Runs
 * its body once per element of the array at {@code items} in its input, one after another, the element as the body's
 * input; the loop's output is the array of the body's outputs, in order. Each finished item is recorded as a step of
 * its own ({@code <loop>#<index>}, output encrypted like any step's), so a resumed or re-run execution continues with
 * the first item that did not finish; an http body's {@code Idempotency-Key} is {@code <execution>:<loop>#<index>}.
 * The first item that fails fails the loop step (the error names the index); more than {@code maxItems} elements (or no
 * array there) fail it before any item runs.
 */
@ApplicationScoped
public class LoopNodeRunner implements NodeRunner {

    static final int DEFAULT_MAX_ITEMS = 1000;

    private final HttpNodeRunner http;
    private final CodeNodeRunner code;
    private final ObjectMapper json;

    public LoopNodeRunner(HttpNodeRunner http, CodeNodeRunner code, ObjectMapper json) {
        this.http = http;
        this.code = code;
        this.json = json;
    }

    @Override
    public String type() {
        return "loop";
    }

    @Override
    public Uni<JsonNode> run(NodeDefinition node, JsonNode input, StepContext context) {
        ObjectNode p = node.params();
        String path = p.get("items").asText();
        int max = p.hasNonNull("maxItems") ? p.get("maxItems").asInt() : DEFAULT_MAX_ITEMS;
        JsonNode items = ConditionNodeRunner.at(input, path);
        if (items == null || !items.isArray()) {
            return Uni.createFrom().failure(new StepFailure("loop_error", "items " + path + " is not an array"));
        }
        if (items.size() > max) {
            return Uni.createFrom().failure(new StepFailure("loop_error",
                    "items " + path + " has " + items.size() + " elements, more than maxItems " + max));
        }
        ObjectNode body = (ObjectNode) p.get("body");
        NodeRunner runner = "http".equals(body.get("type").asText()) ? http : code;
        ObjectNode bodyParams = body.hasNonNull("params") ? (ObjectNode) body.get("params") : json.createObjectNode();
        JsonNode[] results = new JsonNode[items.size()];
        return Multi.createFrom().items(IntStream.range(0, items.size()).boxed())
                .onItem().transformToUniAndConcatenate(i -> {
                    String itemId = node.id() + "#" + i;
                    JsonNode done = context.recorded().get(itemId);
                    if (done != null) {
                        results[i] = done;
                        return Uni.createFrom().voidItem();
                    }
                    return runner.run(new NodeDefinition(itemId, runner.type(), bodyParams), items.get(i), context)
                            .onFailure(StepFailure.class).transform(f -> new StepFailure(((StepFailure) f).type(),
                                    "item " + i + ": " + f.getMessage()))
                            .chain(out -> {
                                results[i] = out;
                                return context.recordItem().apply(itemId, out);
                            });
                })
                .collect().last()
                .map(x -> {
                    ArrayNode out = json.createArrayNode();
                    for (JsonNode r : results) {
                        out.add(r);
                    }
                    return (JsonNode) out;
                });
    }
}

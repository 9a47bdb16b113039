package io.medhook.workflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.workflow.definition.NodeDefinition;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * {@code condition}: a declarative test of one field of the node's input, {@code {"field": "a.b", "op":
 * "eq|ne|gt|lt|exists", "value": …}}; no code runs. Output {@code {"result": true|false, "input": <its input>}}; the
 * engine takes the edges whose {@code when} equals the result and passes the condition's input on along them.
 * {@code eq}/{@code ne} compare JSON values (numbers by value; a missing field equals nothing); {@code gt}/{@code lt}
 * need a number against a number or a string against a string, anything else fails the step with
 * {@code condition_error} (the message names the field, never its value); {@code exists} is true for a present,
 * non-null field.
 */
@ApplicationScoped
public class ConditionNodeRunner implements NodeRunner {

    private final ObjectMapper json;

    public ConditionNodeRunner(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public String type() {
        return "condition";
    }

    @Override
    public Uni<JsonNode> run(NodeDefinition node, JsonNode input, StepContext context) {
        String field = node.params().get("field").asText();
        String op = node.params().get("op").asText();
        JsonNode expected = node.params().get("value");
        JsonNode actual = at(input, field);
        boolean present = actual != null && !actual.isMissingNode() && !actual.isNull();
        boolean result = switch (op) {
            case "exists" -> present;
            case "eq" -> present && same(actual, expected);
            case "ne" -> !(present && same(actual, expected));
            case "gt", "lt" -> {
                int cmp = compare(field, actual, expected);
                yield "gt".equals(op) ? cmp > 0 : cmp < 0;
            }
            default -> throw new StepFailure("condition_error", "unknown operator " + op);
        };
        ObjectNode out = json.createObjectNode();
        out.put("result", result);
        out.set("input", input == null ? json.nullNode() : input);
        return Uni.createFrom().item(out);
    }

    /** Follows a dot path; numeric segments index arrays. Null when the path leads nowhere. */
    static JsonNode at(JsonNode root, String path) {
        JsonNode cur = root;
        for (String seg : path.split("\\.")) {
            if (cur == null) {
                return null;
            }
            if (cur.isArray() && seg.matches("\\d{1,9}")) {
                cur = cur.get(Integer.parseInt(seg));
            } else if (cur.isObject()) {
                cur = cur.get(seg);
            } else {
                return null;
            }
        }
        return cur;
    }

    private static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }

    private static int compare(String field, JsonNode actual, JsonNode expected) {
        if (actual == null || actual.isMissingNode() || actual.isNull()) {
            throw new StepFailure("condition_error", "field " + field + " is missing, so it cannot be compared");
        }
        if (actual.isNumber() && expected.isNumber()) {
            return actual.decimalValue().compareTo(expected.decimalValue());
        }
        if (actual.isTextual() && expected.isTextual()) {
            return actual.asText().compareTo(expected.asText());
        }
        throw new StepFailure("condition_error", "field " + field + " is a " + actual.getNodeType().name()
                .toLowerCase(java.util.Locale.ROOT) + " and cannot be compared with a "
                + expected.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
    }
}

package io.medhook.workflow.definition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.common.problem.MedhookException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reachability from the trigger: the first nodes (no incoming edge) get the trigger input, all others via edges. */
class WorkflowValidatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static NodeDefinition http(String id) {
        ObjectNode p = JSON.createObjectNode().put("url", "http://127.0.0.2:9/" + id);
        return new NodeDefinition(id, "http", p);
    }

    private static WorkflowDefinition def(List<NodeDefinition> nodes, List<EdgeDefinition> edges) {
        return new WorkflowDefinition("w", TriggerDefinition.webhook(), nodes, edges);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, String>> errors(WorkflowDefinition d) {
        MedhookException e = assertThrows(MedhookException.class, () -> WorkflowValidator.validate(d));
        assertEquals(422, e.kind().status());
        return (List<Map<String, String>>) e.extensions().get("errors");
    }

    @Test
    void namesEveryNodeNoFirstNodeLeadsTo() {
        // a is fed by the trigger; b and c feed each other and nothing leads into them, d hangs behind them
        List<Map<String, String>> errors = errors(def(List.of(http("a"), http("b"), http("c"), http("d")),
                List.of(new EdgeDefinition("b", "c"), new EdgeDefinition("c", "b"), new EdgeDefinition("c", "d"))));
        List<String> unreachable = errors.stream().filter(e -> e.get("message").contains("not reachable"))
                .map(e -> e.get("node")).toList();
        assertEquals(List.of("b", "c", "d"), unreachable);
        assertTrue(errors.stream().noneMatch(e -> "a".equals(e.get("node"))));
    }

    @Test
    void aWorkflowWithoutAnyFirstNodeHasEveryNodeUnreachable() {
        List<Map<String, String>> errors = errors(def(List.of(http("a"), http("b")),
                List.of(new EdgeDefinition("a", "b"), new EdgeDefinition("b", "a"))));
        assertEquals(List.of("a", "b"), errors.stream().filter(e -> e.get("message").contains("not reachable"))
                .map(e -> e.get("node")).toList());
    }

    @Test
    void severalFirstNodesAndFanInAreReachable() {
        assertNotNull(WorkflowValidator.validate(def(List.of(http("a"), http("b"), http("c")),
                List.of(new EdgeDefinition("a", "c"), new EdgeDefinition("b", "c")))));
    }
}

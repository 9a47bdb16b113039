package io.medhook.workflow.engine;

import static io.medhook.workflow.WorkflowTestSupport.awaitTerminal;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.WorkflowTestSupport.trigger;
import static io.medhook.workflow.engine.NodeTestSupport.edge;
import static io.medhook.workflow.engine.NodeTestSupport.node;
import static io.medhook.workflow.engine.NodeTestSupport.post;
import static io.medhook.workflow.engine.NodeTestSupport.save;
import static io.medhook.workflow.engine.NodeTestSupport.workflow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** condition nodes: labelled edges, skipped branches, joins, validation and evaluation errors. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class ConditionNodeTest {

    private static HttpReceiver receiver;

    @BeforeAll
    static void servers() {
        receiver = HttpReceiver.start("127.0.0.2");
    }

    @AfterAll
    static void stop() {
        receiver.close();
    }

    private static Map<String, Object> cond(String field, String op, Object value) {
        Map<String, Object> p = new HashMap<>();
        p.put("field", field);
        p.put("op", op);
        if (value != null) {
            p.put("value", value);
        }
        return p;
    }

    /** cond →(true) yes → join; cond →(false) no → join, no → onlyNo. */
    private static Map<String, Object> branching(String ws, Map<String, Object> condition) {
        return workflow(List.of(node("cond", "condition", condition),
                node("yes", "http", post(receiver.url("/" + ws + "/yes"))),
                node("no", "http", post(receiver.url("/" + ws + "/no"))),
                node("onlyNo", "http", post(receiver.url("/" + ws + "/onlyNo"))),
                node("join", "http", post(receiver.url("/" + ws + "/join")))),
                List.of(edge("cond", "yes", true), edge("cond", "no", false), edge("yes", "join"),
                        edge("no", "join"), edge("no", "onlyNo")));
    }

    private static Map<String, String> statuses(JsonPath ex) {
        Map<String, String> m = new HashMap<>();
        List<Map<String, Object>> steps = ex.getList("steps");
        steps.forEach(s -> m.put((String) s.get("nodeId"), (String) s.get("status")));
        return m;
    }

    private static List<String> paths(String ws) {
        return receiver.hits().stream().map(HttpReceiver.Hit::path).filter(p -> p.startsWith("/" + ws + "/"))
                .map(p -> p.substring(ws.length() + 2)).sorted().toList();
    }

    @Test
    void theTakenBranchRunsTheOtherIsSkippedAndTheJoinStillRuns() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath wf = create(ws, t, branching(ws, cond("body.kind", "eq", "lab")));
        JsonPath ex = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{\"kind\":\"lab\",\"n\":3}"));
        assertEquals("succeeded", ex.getString("status"));
        assertEquals(Map.of("cond", "succeeded", "yes", "succeeded", "no", "skipped", "onlyNo", "skipped",
                "join", "succeeded"), statuses(ex));
        assertEquals(List.of("join", "yes"), paths(ws));
        HttpReceiver.Hit yes = receiver.hits().stream().filter(h -> h.path().equals("/" + ws + "/yes")).findFirst()
                .orElseThrow();
        Map<?, ?> got = new ObjectMapper().readValue(yes.body(), Map.class);
        assertEquals(Map.of("kind", "lab", "n", 3), got.get("body"), "a condition passes its input on");
        HttpReceiver.Hit join = receiver.hits().stream().filter(h -> h.path().equals("/" + ws + "/join"))
                .findFirst().orElseThrow();
        assertEquals(List.of("yes"), List.copyOf(new ObjectMapper().readValue(join.body(), Map.class).keySet()),
                "the join sees the predecessors that ran");
        assertEquals(true, ex.getBoolean("steps.find { it.nodeId == 'cond' }.output.result"));
    }

    @Test
    void theFalseBranchRunsWhenTheConditionDoesNotHold() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath wf = create(ws, t, branching(ws, cond("body.n", "gt", 10)));
        JsonPath ex = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{\"n\":3}"));
        assertEquals("succeeded", ex.getString("status"));
        assertEquals(Map.of("cond", "succeeded", "yes", "skipped", "no", "succeeded", "onlyNo", "succeeded",
                "join", "succeeded"), statuses(ex));
        assertEquals(List.of("join", "no", "onlyNo"), paths(ws));
    }

    @Test
    void existsAndNeEvaluateMissingFields() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath wf = create(ws, t, branching(ws, cond("body.patient.id", "exists", null)));
        assertEquals("skipped", statuses(awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{}")))
                .get("yes"));
        JsonPath ne = create(ws, t, branching(ws, cond("body.missing", "ne", "x")));
        assertEquals("succeeded", statuses(awaitTerminal(ws, t, trigger(ne.getString("webhookUrl"), "{}")))
                .get("yes"));
    }

    @Test
    void comparingIncomparableValuesFailsTheStepWithConditionError() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath wf = create(ws, t, branching(ws, cond("body.n", "gt", 10)));
        JsonPath ex = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{\"n\":\"ten\"}"));
        assertEquals("failed", ex.getString("status"));
        assertEquals("condition_error", ex.getString("steps[0].error.type"));
        assertTrue(ex.getString("steps[0].error.message").contains("body.n"));
        assertEquals(List.of(), paths(ws));
    }

    @Test
    void unlabelledEdgesOutOfAConditionAre422() {
        String ws = newWorkspace();
        List<Map<String, String>> errors = save(ws, token(ws, "editor"), workflow(
                List.of(node("cond", "condition", cond("body.a", "exists", null)),
                        node("next", "http", post(receiver.url("/n")))),
                List.of(edge("cond", "next")))).then().statusCode(422).extract().jsonPath().getList("errors");
        assertEquals("cond", errors.get(0).get("node"));
        assertEquals("edges[0].when", errors.get(0).get("field"));
    }

    @Test
    void labelsOnOtherEdgesAndConditionsWithoutEdgesAre422() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        List<Map<String, String>> labelled = save(ws, t, workflow(
                List.of(node("a", "http", post(receiver.url("/a"))), node("b", "http", post(receiver.url("/b")))),
                List.of(edge("a", "b", true)))).then().statusCode(422).extract().jsonPath().getList("errors");
        assertEquals("a", labelled.get(0).get("node"));
        assertEquals("edges[0].when", labelled.get(0).get("field"));
        List<Map<String, String>> lonely = save(ws, t, workflow(
                List.of(node("cond", "condition", cond("body.a", "exists", null))), List.of()))
                .then().statusCode(422).extract().jsonPath().getList("errors");
        assertEquals("cond", lonely.get(0).get("node"));
        assertEquals("edges", lonely.get(0).get("field"));
    }

    @Test
    void badConditionParamsAre422NamingNodeAndField() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        Map<String, String> cases = Map.of("params.op", "{\"field\":\"a\",\"op\":\"matches\",\"value\":1}",
                "params.value", "{\"field\":\"a\",\"op\":\"eq\"}",
                "params.field", "{\"op\":\"exists\"}",
                "params.script", "{\"field\":\"a\",\"op\":\"exists\",\"script\":\"x\"}");
        cases.forEach((field, params) -> {
            Map<?, ?> p;
            try {
                p = new ObjectMapper().readValue(params, Map.class);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            List<Map<String, String>> errors = save(ws, t, workflow(
                    List.of(node("c1", "condition", (Map<String, ?>) p), node("x", "http", post(receiver.url("/x")))),
                    List.of(edge("c1", "x", true)))).then().statusCode(422).extract().jsonPath().getList("errors");
            assertEquals("c1", errors.get(0).get("node"), field);
            assertEquals(field, errors.get(0).get("field"));
        });
    }
}

package io.medhook.workflow.engine;

import static io.medhook.workflow.WorkflowTestSupport.awaitTerminal;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.WorkflowTestSupport.trigger;
import static io.medhook.workflow.engine.NodeTestSupport.node;
import static io.medhook.workflow.engine.NodeTestSupport.post;
import static io.medhook.workflow.engine.NodeTestSupport.save;
import static io.medhook.workflow.engine.NodeTestSupport.workflow;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** loop nodes: one body run per item, per-item results persisted, resumed without redoing finished items. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class LoopNodeTest {

    private static Map<String, Object> loop(String items, Object maxItems, Map<String, ?> body) {
        return maxItems == null ? Map.of("items", items, "body", body)
                : Map.of("items", items, "maxItems", maxItems, "body", body);
    }

    @Test
    void runsTheBodyOncePerItemAndCollectsTheOutputs() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> new HttpReceiver.Reply(200, Map.of("Content-Type", "application/json"), h.body()));
            JsonPath wf = create(ws, t, workflow(List.of(node("each", "loop", loop("body.patients", 10,
                    Map.of("type", "http", "params", post(r.url("/p")))))), List.of()));
            String eid = trigger(wf.getString("webhookUrl"), "{\"patients\":[{\"id\":1},{\"id\":2},{\"id\":3}]}");
            JsonPath ex = awaitTerminal(ws, t, eid);
            assertEquals("succeeded", ex.getString("status"));
            assertEquals(List.of("{\"id\":1}", "{\"id\":2}", "{\"id\":3}"),
                    r.hits().stream().map(HttpReceiver.Hit::body).toList());
            assertEquals(List.of(eid + ":each#0", eid + ":each#1", eid + ":each#2"),
                    r.hits().stream().map(h -> h.header("Idempotency-Key")).toList());
            assertEquals(List.of(1, 2, 3), ex.getList("steps.find { it.nodeId == 'each' }.output.body.id"));
            assertEquals(3, ex.getList("steps.findAll { it.nodeId.startsWith('each#') }").size());
        }
    }

    @Test
    void aResumedLoopDoesNotRedoFinishedItems() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        AtomicBoolean thirdFails = new AtomicBoolean(true);
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> h.body().equals("3") && thirdFails.get() ? new HttpReceiver.Reply(503, Map.of(), "down")
                    : HttpReceiver.Reply.ok());
            JsonPath wf = create(ws, t, workflow(List.of(node("each", "loop", loop("body", null,
                    Map.of("type", "http", "params", post(r.url("/i")))))), List.of()));
            JsonPath failed = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "[1,2,3,4]"));
            assertEquals("failed", failed.getString("status"));
            assertEquals("http_error", failed.getString("steps.find { it.nodeId == 'each' }.error.type"));
            assertTrue(failed.getString("steps.find { it.nodeId == 'each' }.error.message").startsWith("item 2:"));
            assertEquals(List.of("1", "2", "3"), r.hits().stream().map(HttpReceiver.Hit::body).toList());
            thirdFails.set(false);
            String rerun = given().auth().oauth2(t).contentType(ContentType.JSON).body(Map.of("from", "failed-step"))
                    .post("/api/v1/workspaces/" + ws + "/executions/" + failed.getString("id") + "/rerun")
                    .then().statusCode(202).extract().path("executionId");
            assertEquals("succeeded", awaitTerminal(ws, t, rerun).getString("status"));
            assertEquals(List.of("1", "2", "3", "3", "4"), r.hits().stream().map(HttpReceiver.Hit::body).toList(),
                    "items 0 and 1 were not sent again");
        }
    }

    @Test
    void tooManyItemsOrNoArrayFailTheStepWithLoopError() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            JsonPath wf = create(ws, t, workflow(List.of(node("each", "loop", loop("body.list", 2,
                    Map.of("type", "http", "params", post(r.url("/x")))))), List.of()));
            JsonPath tooMany = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{\"list\":[1,2,3]}"));
            assertEquals("loop_error", tooMany.getString("steps[0].error.type"));
            JsonPath notArray = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{\"list\":{\"a\":1}}"));
            assertEquals("loop_error", notArray.getString("steps[0].error.type"));
            assertEquals(List.of(), r.hits());
        }
    }

    @Test
    void badLoopParamsAre422NamingNodeAndField() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        Map<String, Map<String, ?>> cases = Map.of(
                "params.items", Map.of("body", Map.of("type", "http", "params", post("http://127.0.0.2:9/x"))),
                "params.maxItems", loop("body", 5000, Map.of("type", "http", "params", post("http://127.0.0.2:9/x"))),
                "params.body.type", loop("body", 5, Map.of("type", "wait", "params", Map.of("seconds", 1))),
                "params.body.params.url", loop("body", 5, Map.of("type", "http", "params", Map.of("method", "POST"))));
        cases.forEach((field, params) -> {
            List<Map<String, String>> errors = save(ws, t, workflow(List.of(node("each", "loop", params)), List.of()))
                    .then().statusCode(422).extract().jsonPath().getList("errors");
            assertEquals("each", errors.get(0).get("node"), field);
            assertEquals(field, errors.get(0).get("field"));
        });
    }

    @SuppressWarnings("unused")
    private static final ObjectMapper JSON = new ObjectMapper();
}

package io.medhook.workflow.engine;

import static io.medhook.workflow.WorkflowTestSupport.auditEvents;
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
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * subworkflow nodes: the child is a real execution linked to its parent, the parent waits (durably, as
 * {@code waiting}) and continues with the child's output; cycles and depth are refused on save and at run time.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class SubworkflowNodeTest {

    private static Map<String, Object> call(String workflowId) {
        return Map.of("workflowId", workflowId);
    }

    private static Map<String, Object> call(String workflowId, int version) {
        return Map.of("workflowId", workflowId, "version", version);
    }

    private static JsonPath children(String ws, String t, String parentId) {
        return given().auth().oauth2(t).queryParam("parentExecutionId", parentId)
                .get("/api/v1/workspaces/" + ws + "/executions").then().statusCode(200).extract().jsonPath();
    }

    @Test
    void runsTheCalledWorkflowAsALinkedExecutionAndContinuesWithItsOutput() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> new HttpReceiver.Reply(200, Map.of("Content-Type", "application/json"),
                    h.path().equals("/child") ? "{\"enriched\":true,\"saw\":" + h.body() + "}" : "{}"));
            JsonPath child = create(ws, t, workflow(List.of(node("lookup", "http", post(r.url("/child")))),
                    List.of()));
            JsonPath parent = create(ws, t, workflow(List.of(node("call", "subworkflow",
                    call(child.getString("id"))), node("after", "http", post(r.url("/after")))),
                    List.of(edge("call", "after"))));
            String eid = trigger(parent.getString("webhookUrl"), "{\"mrn\":\"4711\"}");
            JsonPath ex = awaitTerminal(ws, t, eid);
            assertEquals("succeeded", ex.getString("status"));

            List<HttpReceiver.Hit> hits = r.hits();
            assertEquals(List.of("/child", "/after"), hits.stream().map(HttpReceiver.Hit::path).toList());
            JsonPath sent = JsonPath.from(hits.get(0).body());
            assertEquals("4711", sent.getString("body.body.mrn"),
                    "the child's first node sees the node's input (here the parent's webhook input) as body");
            assertEquals(Map.of(), sent.getMap("headers"), "and no headers, like a manual run");
            assertTrue(hits.get(1).body().contains("\"enriched\":true"), "the next node gets the child's output");
            assertEquals(true, ex.getBoolean("steps.find { it.nodeId == 'call' }.output.body.enriched"));

            JsonPath kids = children(ws, t, eid);
            assertEquals(1, kids.getList("items").size());
            String childId = kids.getString("items[0].id");
            assertEquals("subworkflow", kids.getString("items[0].trigger"));
            assertEquals(eid, kids.getString("items[0].parentExecutionId"));
            assertEquals(child.getString("id"), kids.getString("items[0].workflowId"));
            JsonPath cx = awaitTerminal(ws, t, childId);
            assertEquals("succeeded", cx.getString("status"));
            assertEquals(eid, cx.getString("parentExecutionId"));
            assertEquals(eid + ":lookup", hits.get(0).header("Idempotency-Key").replace(childId, eid),
                    "the child's steps carry the child's own execution id");
            List<JsonNode> created = auditEvents("execution.create", "execution", childId);
            assertEquals(1, created.size());
            assertTrue(created.get(0).toString().contains(eid), "the child's creation names its parent");
            assertTrue(created.get(0).toString().contains("subworkflow"));
        }
    }

    @Test
    void aPinnedVersionRunsThatVersionAndNoVersionRunsTheCurrentOne() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            JsonPath child = create(ws, t, workflow(List.of(node("send", "http", post(r.url("/v1")))), List.of()));
            given().auth().oauth2(t).contentType(ContentType.JSON)
                    .body(workflow(List.of(node("send", "http", post(r.url("/v2")))), List.of()))
                    .put("/api/v1/workspaces/" + ws + "/workflows/" + child.getString("id")).then().statusCode(200);
            JsonPath pinned = create(ws, t, workflow(List.of(node("call", "subworkflow",
                    call(child.getString("id"), 1))), List.of()));
            JsonPath current = create(ws, t, workflow(List.of(node("call", "subworkflow",
                    call(child.getString("id")))), List.of()));
            assertEquals("succeeded", awaitTerminal(ws, t, trigger(pinned.getString("webhookUrl"), "{}"))
                    .getString("status"));
            assertEquals("succeeded", awaitTerminal(ws, t, trigger(current.getString("webhookUrl"), "{}"))
                    .getString("status"));
            assertEquals(List.of("/v1", "/v2"), r.hits().stream().map(HttpReceiver.Hit::path).toList());
        }
    }

    @Test
    void aFailedChildFailsTheCallingStep() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> new HttpReceiver.Reply(500, Map.of(), "down"));
            JsonPath child = create(ws, t, workflow(List.of(node("send", "http", post(r.url("/x")))), List.of()));
            JsonPath parent = create(ws, t, workflow(List.of(node("call", "subworkflow",
                    call(child.getString("id")))), List.of()));
            String eid = trigger(parent.getString("webhookUrl"), "{}");
            JsonPath ex = awaitTerminal(ws, t, eid);
            assertEquals("failed", ex.getString("status"));
            assertEquals("subworkflow_error", ex.getString("steps.find { it.nodeId == 'call' }.error.type"));
            String childId = children(ws, t, eid).getString("items[0].id");
            assertEquals("the sub-workflow execution " + childId + " ended failed (http_error)",
                    ex.getString("steps.find { it.nodeId == 'call' }.error.message"));
        }
    }

    @Test
    void cancellingAWaitingParentCancelsItsChild() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath child = create(ws, t, workflow(List.of(node("pause", "wait", Map.of("seconds", 3600))), List.of()));
        JsonPath parent = create(ws, t, workflow(List.of(node("call", "subworkflow", call(child.getString("id")))),
                List.of()));
        String eid = trigger(parent.getString("webhookUrl"), "{}");
        String childId = null;
        Instant end = Instant.now().plusSeconds(10);
        while (Instant.now().isBefore(end)) {
            JsonPath kids = children(ws, t, eid);
            if (!kids.getList("items").isEmpty() && "waiting".equals(kids.getString("items[0].status"))) {
                childId = kids.getString("items[0].id");
                break;
            }
            Thread.sleep(50);
        }
        assertTrue(childId != null, "the child reached its wait");
        assertEquals("waiting", given().auth().oauth2(t).get("/api/v1/workspaces/" + ws + "/executions/" + eid)
                .then().statusCode(200).extract().path("status"));
        given().auth().oauth2(t).post("/api/v1/workspaces/" + ws + "/executions/" + eid + "/cancel")
                .then().statusCode(202);
        assertEquals("cancelled", awaitTerminal(ws, t, eid).getString("status"));
        assertEquals("cancelled", awaitTerminal(ws, t, childId).getString("status"));
    }

    @Test
    void refusesOnSaveUnknownWorkflowsMissingVersionsCyclesAndTooDeepNesting() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String other = newWorkspace();
        JsonPath foreign = create(other, token(other, "editor"), workflow(List.of(node("s", "http",
                post("https://ehr.example/x"))), List.of()));
        JsonPath bad = save(ws, t, workflow(List.of(node("a", "subworkflow", call(foreign.getString("id"))),
                node("b", "subworkflow", Map.of("workflowId", "nope", "extra", 1))), List.of(edge("a", "b"))))
                .then().statusCode(422).extract().jsonPath();
        assertEquals(List.of("params.workflowId", "params.extra"), bad.getList("errors.field"),
                "syntax first: b's id is not an id and extra is unknown");
        save(ws, t, workflow(List.of(node("a", "subworkflow", call(foreign.getString("id")))), List.of()))
                .then().statusCode(422).body("errors[0].node", org.hamcrest.Matchers.equalTo("a"))
                .body("errors[0].message", org.hamcrest.Matchers.equalTo(
                        "no workflow with this id exists in this workspace"));

        JsonPath a = create(ws, t, workflow(List.of(node("s", "http", post("https://ehr.example/x"))), List.of()));
        save(ws, t, workflow(List.of(node("c", "subworkflow", call(a.getString("id"), 7))), List.of()))
                .then().statusCode(422).body("errors[0].field", org.hamcrest.Matchers.equalTo("params.version"));
        JsonPath b = create(ws, t, workflow(List.of(node("callA", "subworkflow", call(a.getString("id")))),
                List.of()));
        // A calls B calls A
        given().auth().oauth2(t).contentType(ContentType.JSON)
                .body(workflow(List.of(node("callB", "subworkflow", call(b.getString("id")))), List.of()))
                .put("/api/v1/workspaces/" + ws + "/workflows/" + a.getString("id"))
                .then().statusCode(422).contentType("application/problem+json")
                .body("errors[0].node", org.hamcrest.Matchers.equalTo("callB"))
                .body("errors[0].message", org.hamcrest.Matchers.equalTo(
                        "calls a workflow that calls this one back (a cycle)"));
        given().auth().oauth2(t).contentType(ContentType.JSON)
                .body(workflow(List.of(node("me", "subworkflow", call(a.getString("id")))), List.of()))
                .put("/api/v1/workspaces/" + ws + "/workflows/" + a.getString("id"))
                .then().statusCode(422).body("errors[0].message", org.hamcrest.Matchers.equalTo(
                        "a workflow cannot call itself (a cycle)"));

        // a chain of 5 nested calls is allowed (max-subworkflow-depth 5), a sixth is not
        String callee = a.getString("id");
        for (int i = 0; i < 4; i++) {
            callee = create(ws, t, workflow(List.of(node("down", "subworkflow", call(callee))), List.of()))
                    .getString("id");
        }
        String top = callee;
        create(ws, t, workflow(List.of(node("down", "subworkflow", call(top))), List.of()));
        save(ws, t, workflow(List.of(node("down", "subworkflow", call(b.getString("id")))), List.of()))
                .then().statusCode(201);
        JsonPath tooDeep = create(ws, t, workflow(List.of(node("down", "subworkflow", call(top))), List.of()));
        save(ws, t, workflow(List.of(node("deeper", "subworkflow", call(tooDeep.getString("id")))), List.of()))
                .then().statusCode(422).body("errors[0].node", org.hamcrest.Matchers.equalTo("deeper"))
                .body("errors[0].message", org.hamcrest.Matchers.equalTo(
                        "sub-workflow calls would nest deeper than 5"));
    }

    @Test
    void aCycleThatSlippedPastTheSaveCheckFailsAtRunTime() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath a = create(ws, t, workflow(List.of(node("s", "http", post("https://ehr.example/x"))), List.of()));
        JsonPath b = create(ws, t, workflow(List.of(node("callA", "subworkflow", call(a.getString("id")))),
                List.of()));
        // two concurrent saves can each pass the check; simulate the second one writing A -> B behind it
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement ps = c.prepareStatement("""
                insert into workflow_version (workflow_id, version, definition, created_at)
                values (?::uuid, 2, ?::jsonb, now())""")) {
            ps.setString(1, a.getString("id"));
            ps.setString(2, "{\"name\":\"a\",\"trigger\":{\"type\":\"webhook\"},\"nodes\":[{\"id\":\"callB\","
                    + "\"type\":\"subworkflow\",\"params\":{\"workflowId\":\"" + b.getString("id") + "\"}}],"
                    + "\"edges\":[]}");
            ps.executeUpdate();
            c.createStatement().executeUpdate("update workflow set current_version = 2 where id = '"
                    + a.getString("id") + "'");
        }
        String eid = trigger(b.getString("webhookUrl"), "{}");
        JsonPath ex = awaitTerminal(ws, t, eid);
        assertEquals("failed", ex.getString("status"));
        String childId = children(ws, t, eid).getString("items[0].id");
        JsonPath cx = awaitTerminal(ws, t, childId);
        assertEquals("subworkflow_error", cx.getString("steps.find { it.nodeId == 'callB' }.error.type"));
        assertEquals("the called workflow is already running further up this call chain (a cycle)",
                cx.getString("steps.find { it.nodeId == 'callB' }.error.message"));
        assertEquals(0, children(ws, t, childId).getList("items").size(), "no grandchild was started");
        assertEquals("the sub-workflow execution " + childId + " ended failed (subworkflow_error)",
                ex.getString("steps.find { it.nodeId == 'callA' }.error.message"));
    }

    @Test
    void aChainDeeperThanTheLimitFailsAtRunTime() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        // a legal chain of five nested calls: top -> ... -> leaf (depth 5)
        String leaf = create(ws, t, workflow(List.of(node("s", "wait", Map.of("seconds", 1))), List.of()))
                .getString("id");
        String callee = leaf;
        for (int i = 0; i < 5; i++) {
            callee = create(ws, t, workflow(List.of(node("down", "subworkflow", call(callee))), List.of()))
                    .getString("id");
        }
        String top = callee;
        // the leaf gains a sixth call behind the save check (as two concurrent saves could leave it)
        String extra = create(ws, t, workflow(List.of(node("s", "wait", Map.of("seconds", 1))), List.of()))
                .getString("id");
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement ps = c.prepareStatement("""
                insert into workflow_version (workflow_id, version, definition, created_at)
                values (?::uuid, 2, ?::jsonb, now())""")) {
            ps.setString(1, leaf);
            ps.setString(2, "{\"name\":\"leaf\",\"trigger\":{\"type\":\"webhook\"},\"nodes\":[{\"id\":\"deeper\","
                    + "\"type\":\"subworkflow\",\"params\":{\"workflowId\":\"" + extra + "\"}}],\"edges\":[]}");
            ps.executeUpdate();
            c.createStatement().executeUpdate("update workflow set current_version = 2 where id = '" + leaf + "'");
        }
        String eid = io.medhook.workflow.WorkflowTestSupport.run(ws, t, top, Map.of());
        JsonPath ex = awaitTerminal(ws, t, eid);
        assertEquals("failed", ex.getString("status"));
        // walk down to the execution at depth 5 (the leaf) and find its refused call
        String current = eid;
        for (int depth = 1; depth <= 5; depth++) {
            current = children(ws, t, current).getString("items[0].id");
        }
        JsonPath leafRun = awaitTerminal(ws, t, current);
        assertEquals(leaf, leafRun.getString("workflowId"));
        assertEquals("subworkflow_error", leafRun.getString("steps.find { it.nodeId == 'deeper' }.error.type"));
        assertEquals("sub-workflow calls would nest deeper than 5",
                leafRun.getString("steps.find { it.nodeId == 'deeper' }.error.message"));
        assertEquals(0, children(ws, t, current).getList("items").size(), "no execution at depth 6");
    }
}

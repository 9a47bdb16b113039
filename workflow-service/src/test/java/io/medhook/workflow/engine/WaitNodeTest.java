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
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.medhook.workflow.WorkflowTestSupport;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** wait nodes: the execution is parked as waiting, holds no lease or worker slot, and resumes when due. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class WaitNodeTest {

    @Inject
    ExecutionEngine engine;

    private static JsonPath awaitStatus(String ws, String t, String eid, String status) throws InterruptedException {
        Instant end = Instant.now().plus(Duration.ofSeconds(10));
        JsonPath last = null;
        while (Instant.now().isBefore(end)) {
            last = given().auth().oauth2(t).get("/api/v1/workspaces/" + ws + "/executions/" + eid)
                    .then().statusCode(200).extract().jsonPath();
            if (status.equals(last.getString("status"))) {
                return last;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("execution never became " + status + ": " + (last == null ? null : last.prettify()));
    }

    @Test
    void anExecutionWaitsWithoutHoldingALeaseOrSlotAndThenResumes() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            JsonPath wf = create(ws, t, workflow(List.of(node("pause", "wait", Map.of("seconds", 2)),
                    node("after", "http", post(r.url("/after")))), List.of(edge("pause", "after"))));
            Instant started = Instant.now();
            String eid = trigger(wf.getString("webhookUrl"), "{\"x\":1}");
            JsonPath waiting = awaitStatus(ws, t, eid, "waiting");
            assertEquals("waiting", waiting.getString("steps[0].status"));
            assertEquals(0, WorkflowTestSupport.count("select count(*) from execution where id = '" + eid
                    + "' and (lease_owner is not null or lease_until is not null or resume_at is null)"),
                    "no lease while waiting, resume_at set");
            assertFalse(engine.holds(eid == null ? null : java.util.UUID.fromString(eid)), "no worker slot held");
            assertEquals(List.of(), r.hits());
            JsonPath done = awaitTerminal(ws, t, eid);
            assertEquals("succeeded", done.getString("status"));
            assertTrue(Duration.between(started, Instant.now()).toMillis() >= 1900, "waited");
            assertEquals("succeeded", done.getString("steps.find { it.nodeId == 'pause' }.status"));
            assertEquals(1, r.hits().size());
            assertTrue(r.hits().get(0).body().contains("\"x\":1"), "a wait passes its input on");
        }
    }

    @Test
    void aWaitingExecutionCanBeCancelled() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            JsonPath wf = create(ws, t, workflow(List.of(node("pause", "wait", Map.of("seconds", 3600)),
                    node("after", "http", post(r.url("/after")))), List.of(edge("pause", "after"))));
            String eid = trigger(wf.getString("webhookUrl"), "{}");
            awaitStatus(ws, t, eid, "waiting");
            given().auth().oauth2(t).post("/api/v1/workspaces/" + ws + "/executions/" + eid + "/cancel")
                    .then().statusCode(202);
            assertEquals("cancelled", awaitTerminal(ws, t, eid).getString("status"));
            assertEquals(List.of(), r.hits());
        }
    }

    @Test
    void badWaitParamsAre422NamingNodeAndField() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        for (Object seconds : List.of(0, 8 * 24 * 3600, "10", 1.5)) {
            List<Map<String, String>> errors = save(ws, t, workflow(
                    List.of(node("pause", "wait", Map.of("seconds", seconds))), List.of()))
                    .then().statusCode(422).extract().jsonPath().getList("errors");
            assertEquals("pause", errors.get(0).get("node"), String.valueOf(seconds));
            assertEquals("params.seconds", errors.get(0).get("field"));
        }
    }
}

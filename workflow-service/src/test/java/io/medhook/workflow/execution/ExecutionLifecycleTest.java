package io.medhook.workflow.execution;

import static io.medhook.workflow.WorkflowTestSupport.auditEvents;
import static io.medhook.workflow.WorkflowTestSupport.awaitTerminal;
import static io.medhook.workflow.WorkflowTestSupport.count;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.httpWorkflow;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.run;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Manual runs, cancellation of running executions and re-runs, through the real engine and a real receiver. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class ExecutionLifecycleTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static HttpReceiver receiver;

    @BeforeAll
    static void servers() {
        receiver = HttpReceiver.start("127.0.0.2");
    }

    @AfterAll
    static void stop() {
        receiver.close();
    }

    private static String wf(String ws) {
        return "/api/v1/workspaces/" + ws + "/workflows";
    }

    private static String ex(String ws) {
        return "/api/v1/workspaces/" + ws + "/executions";
    }

    private static Map<String, Object> chain(String name, String first, String second) {
        return Map.of("name", name, "trigger", Map.of("type", "webhook"),
                "nodes", List.of(Map.of("id", "a", "type", "http", "params", Map.of("method", "POST", "url", first)),
                        Map.of("id", "b", "type", "http", "params", Map.of("method", "POST", "url", second))),
                "edges", List.of(Map.of("from", "a", "to", "b")));
    }

    private static long hits(HttpReceiver r, String path) {
        return r.hits().stream().filter(h -> h.path().equals(path)).count();
    }

    private static String rerun(String ws, String token, String id, String from) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("from", from))
                .post(ex(ws) + "/" + id + "/rerun")
                .then().statusCode(202).contentType(ContentType.JSON).body("rerunOf", equalTo(id))
                .extract().path("executionId");
    }

    @Test
    void manualRunTakesTheWebhookPathWithTheInputAsBody() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String path = "/manual/" + ws;
        JsonPath w = create(ws, t, httpWorkflow(receiver.url(path)));
        String marker = "MRN-" + System.nanoTime();
        String eid = run(ws, t, w.getString("id"), Map.of("mrn", marker, "n", 3));
        JsonPath done = awaitTerminal(ws, t, eid);
        assertEquals("succeeded", done.getString("status"));
        assertEquals("manual", done.getString("trigger"));
        assertEquals(1, done.getInt("workflowVersion"));
        HttpReceiver.Hit hit = receiver.hits().stream().filter(h -> h.path().equals(path)).findFirst().orElseThrow();
        assertEquals(Map.of("body", Map.of("mrn", marker, "n", 3), "headers", Map.of()),
                JSON.readValue(hit.body(), Map.class));
        assertEquals(eid + ":send", hit.header("Idempotency-Key"));

        List<JsonNode> events = auditEvents("execution.create", "execution", eid);
        assertEquals(1, events.size());
        JsonNode after = events.get(0).path("change").path("after");
        assertEquals("manual", after.path("trigger").asText());
        assertEquals("queued", after.path("status").asText());
        assertEquals(w.getString("id"), after.path("workflowId").asText());
        assertEquals("user", events.get(0).path("actor").path("type").asText());
        assertEquals(0, count("select count(*) from audit_outbox where payload like '%" + marker + "%'"),
                "the input never enters an audit event");
    }

    @Test
    void manualRunsAreRefusedToViewersOtherWorkspacesAndBadBodies() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String id = create(ws, t, httpWorkflow(receiver.url("/refused"))).getString("id");
        given().auth().oauth2(token(ws, "viewer")).contentType(ContentType.JSON).body("{\"input\":{}}")
                .post(wf(ws) + "/" + id + "/run").then().statusCode(403).contentType("application/problem+json");
        String other = newWorkspace();
        given().auth().oauth2(token(other, "admin")).contentType(ContentType.JSON).body("{\"input\":{}}")
                .post(wf(other) + "/" + id + "/run").then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(t).contentType(ContentType.JSON).body("{\"input\":{}}")
                .post(wf(ws) + "/" + UUID.randomUUID() + "/run").then().statusCode(404);
        given().auth().oauth2(t).contentType(ContentType.JSON).body("{\"input\": ")
                .post(wf(ws) + "/" + id + "/run").then().statusCode(400).contentType("application/problem+json");
        given().auth().oauth2(t).contentType(ContentType.JSON).body("{\"input\":{},\"extra\":1}")
                .post(wf(ws) + "/" + id + "/run").then().statusCode(400);
        given().auth().oauth2(t).contentType(ContentType.JSON)
                .body("{\"input\":\"" + "a".repeat(70_000) + "\"}")
                .post(wf(ws) + "/" + id + "/run").then().statusCode(413).contentType("application/problem+json");
        given().auth().oauth2(t).delete(wf(ws) + "/" + id).then().statusCode(204);
        given().auth().oauth2(t).contentType(ContentType.JSON).body("{\"input\":{}}")
                .post(wf(ws) + "/" + id + "/run").then().statusCode(404);
        assertEquals(0, count("select count(*) from execution where workflow_id = '" + id + "'"));
    }

    @Test
    void cancellingARunningExecutionStopsItBeforeItsNextStepAndItCanBeRerunFromThere() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (HttpReceiver slow = HttpReceiver.start("127.0.0.2")) {
            slow.respond(h -> {
                if (h.path().equals("/a")) {
                    arrived.countDown();
                    try {
                        release.await(15, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return HttpReceiver.Reply.ok();
            });
            String id = create(ws, t, chain("slow", slow.url("/a"), slow.url("/b"))).getString("id");
            String eid = run(ws, t, id, Map.of("n", 1));
            assertTrue(arrived.await(15, TimeUnit.SECONDS), "step a started");

            given().auth().oauth2(token(ws, "viewer")).post(ex(ws) + "/" + eid + "/cancel")
                    .then().statusCode(403).contentType("application/problem+json");
            given().auth().oauth2(t).contentType(ContentType.JSON).body(Map.of("from", "start"))
                    .post(ex(ws) + "/" + eid + "/rerun")
                    .then().statusCode(409).contentType("application/problem+json");
            given().auth().oauth2(t).post(ex(ws) + "/" + eid + "/cancel")
                    .then().statusCode(202).body("executionId", equalTo(eid)).body("status", equalTo("cancelling"));
            given().auth().oauth2(t).get(ex(ws) + "/" + eid).then().statusCode(200)
                    .body("status", equalTo("running")).body("cancelRequested", equalTo(true));
            given().auth().oauth2(t).post(ex(ws) + "/" + eid + "/cancel")
                    .then().statusCode(202).body("status", equalTo("cancelling"));
            release.countDown();

            JsonPath done = awaitTerminal(ws, t, eid);
            assertEquals("cancelled", done.getString("status"));
            assertEquals(1, done.getList("steps").size(), "the step in flight finished, the next never started");
            assertEquals("succeeded", done.getString("steps[0].status"));
            slow.await(2, Duration.ofMillis(300));
            assertEquals(0, hits(slow, "/b"));
            given().auth().oauth2(t).post(ex(ws) + "/" + eid + "/cancel")
                    .then().statusCode(409).contentType("application/problem+json");

            List<JsonNode> cancels = auditEvents("execution.cancel", "execution", eid);
            assertEquals(1, cancels.size());
            assertEquals("{\"cancelRequested\":false}", cancels.get(0).path("change").path("before").toString());
            assertEquals("{\"cancelRequested\":true}", cancels.get(0).path("change").path("after").toString());
            assertEquals(1, auditEvents("execution.finish", "execution", eid).size());

            // a new version does not change what the re-run runs: it keeps the original's version
            given().auth().oauth2(t).contentType(ContentType.JSON)
                    .body(chain("slow", slow.url("/a2"), slow.url("/b2")))
                    .put(wf(ws) + "/" + id).then().statusCode(200).body("version", equalTo(2));
            String again = rerun(ws, t, eid, "failed-step");
            JsonPath rerun = awaitTerminal(ws, t, again);
            assertEquals("succeeded", rerun.getString("status"));
            assertEquals(1, rerun.getInt("workflowVersion"));
            assertEquals(eid, rerun.getString("rerunOf"));
            assertEquals("rerun", rerun.getString("trigger"));
            assertEquals(List.of("a", "b"), rerun.getList("steps.nodeId"));
            assertEquals(200, rerun.getInt("steps[0].output.status"), "the copied output reads under the new key");
            assertEquals(1, hits(slow, "/a"), "the succeeded step was not run again");
            assertEquals(1, hits(slow, "/b"));
            assertEquals(0, hits(slow, "/a2") + hits(slow, "/b2"));

            List<JsonNode> reruns = auditEvents("execution.rerun", "execution", again);
            assertEquals(1, reruns.size());
            JsonNode after = reruns.get(0).path("change").path("after");
            assertEquals(eid, after.path("rerunOf").asText());
            assertEquals("failed-step", after.path("mode").asText());
            assertEquals(1, after.path("copiedSteps").asInt());
            assertEquals(1, after.path("version").asInt());
        } finally {
            release.countDown();
        }
    }

    @Test
    void aFailedExecutionIsRerunFromItsFailedStepOrFromTheStartWithTheSameInput() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        AtomicInteger bCalls = new AtomicInteger();
        try (HttpReceiver flaky = HttpReceiver.start("127.0.0.2")) {
            flaky.respond(h -> h.path().equals("/b") && bCalls.incrementAndGet() == 1
                    ? new HttpReceiver.Reply(503, Map.of(), "down")
                    : HttpReceiver.Reply.ok());
            String id = create(ws, t, chain("flaky", flaky.url("/a"), flaky.url("/b"))).getString("id");
            String marker = "MRN-" + System.nanoTime();
            String eid = run(ws, t, id, Map.of("mrn", marker));
            JsonPath failed = awaitTerminal(ws, t, eid);
            assertEquals("failed", failed.getString("status"));
            assertEquals("http_error", failed.getString("steps[1].error.type"));

            String fromStep = rerun(ws, t, eid, "failed-step");
            assertEquals("succeeded", awaitTerminal(ws, t, fromStep).getString("status"));
            assertEquals(1, hits(flaky, "/a"));
            assertEquals(2, hits(flaky, "/b"));

            given().auth().oauth2(t).contentType(ContentType.JSON).body(Map.of("from", "failed-step"))
                    .post(ex(ws) + "/" + fromStep + "/rerun")
                    .then().statusCode(409).contentType("application/problem+json");
            String fromStart = rerun(ws, t, fromStep, "start");
            JsonPath restarted = awaitTerminal(ws, t, fromStart);
            assertEquals("succeeded", restarted.getString("status"));
            assertEquals(Map.of("body", Map.of("mrn", marker), "headers", Map.of()), restarted.getMap("input"),
                    "the original input, re-sealed under the re-run's own key");
            List<HttpReceiver.Hit> aHits = flaky.hits().stream().filter(h -> h.path().equals("/a")).toList();
            assertEquals(2, aHits.size());
            assertEquals(JSON.readTree(aHits.get(0).body()), JSON.readTree(aHits.get(1).body()));
            assertEquals("start", auditEvents("execution.rerun", "execution", fromStart).get(0)
                    .path("change").path("after").path("mode").asText());
            assertEquals(0, count("select count(*) from audit_outbox where payload like '%" + marker + "%'"));
        }
    }

    @Test
    void cancelAndRerunAreRefusedToViewersOtherWorkspacesAndBadModes() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String id = create(ws, t, httpWorkflow(receiver.url("/r"))).getString("id");
        String eid = run(ws, t, id, Map.of());
        awaitTerminal(ws, t, eid);
        given().auth().oauth2(t).post(ex(ws) + "/" + eid + "/cancel")
                .then().statusCode(409).contentType("application/problem+json");
        for (String body : List.of("{\"from\":\"middle\"}", "{}", "{\"from\":\"start\",\"x\":1}", "{\"from\": ")) {
            given().auth().oauth2(t).contentType(ContentType.JSON).body(body).post(ex(ws) + "/" + eid + "/rerun")
                    .then().statusCode(400).contentType("application/problem+json");
        }
        given().auth().oauth2(token(ws, "viewer")).contentType(ContentType.JSON).body("{\"from\":\"start\"}")
                .post(ex(ws) + "/" + eid + "/rerun").then().statusCode(403);
        String other = newWorkspace();
        for (String action : List.of("cancel", "rerun")) {
            given().auth().oauth2(token(other, "admin")).contentType(ContentType.JSON).body("{\"from\":\"start\"}")
                    .post(ex(other) + "/" + eid + "/" + action)
                    .then().statusCode(404).contentType("application/problem+json");
            given().auth().oauth2(t).contentType(ContentType.JSON).body("{\"from\":\"start\"}")
                    .post(ex(ws) + "/" + UUID.randomUUID() + "/" + action).then().statusCode(404);
        }
        given().auth().oauth2(t).post(wf(ws) + "/" + id + "/deactivate").then().statusCode(200);
        given().auth().oauth2(t).contentType(ContentType.JSON).body("{\"from\":\"start\"}")
                .post(ex(ws) + "/" + eid + "/rerun").then().statusCode(409);
        given().auth().oauth2(t).delete(wf(ws) + "/" + id).then().statusCode(204);
        given().auth().oauth2(t).contentType(ContentType.JSON).body("{\"from\":\"start\"}")
                .post(ex(ws) + "/" + eid + "/rerun").then().statusCode(409);
        assertEquals(1, count("select count(*) from execution where workflow_id = '" + id + "'"));
        assertEquals(0, auditEvents("execution.cancel", "execution", eid).size());
    }
}

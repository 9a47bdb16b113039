package io.medhook.workflow.engine;

import static io.medhook.workflow.WorkflowTestSupport.awaitTerminal;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.WorkflowTestSupport.trigger;
import static io.medhook.workflow.engine.NodeTestSupport.credential;
import static io.medhook.workflow.engine.NodeTestSupport.node;
import static io.medhook.workflow.engine.NodeTestSupport.post;
import static io.medhook.workflow.engine.NodeTestSupport.save;
import static io.medhook.workflow.engine.NodeTestSupport.workflow;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** parallel nodes: branches run concurrently within a bound, join keyed by branch, fail fast or collect failures. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class ParallelNodeTest {

    static Map<String, Object> branch(String id, String type, Map<String, ?> params) {
        return Map.of("id", id, "type", type, "params", params);
    }

    static Map<String, Object> parallel(List<?> branches, Integer max, String onFailure) {
        Map<String, Object> p = new java.util.LinkedHashMap<>();
        p.put("branches", branches);
        if (max != null) {
            p.put("maxConcurrency", max);
        }
        if (onFailure != null) {
            p.put("onFailure", onFailure);
        }
        return p;
    }

    private static String path(HttpReceiver.Hit h) {
        return h.path();
    }

    @Test
    void runsBranchesConcurrentlyAndJoinsTheirOutputsByBranch() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        CountDownLatch allArrived = new CountDownLatch(3);
        Map<String, Boolean> sawOthers = new ConcurrentHashMap<>();
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> {
                allArrived.countDown();
                try {
                    // every branch is held until all three are in flight: only concurrent branches get past this
                    sawOthers.put(h.path(), allArrived.await(5, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new HttpReceiver.Reply(200, Map.of("Content-Type", "application/json"),
                        "{\"from\":\"" + h.path() + "\",\"got\":" + h.body() + "}");
            });
            JsonPath wf = create(ws, t, workflow(List.of(node("fan", "parallel", parallel(List.of(
                    branch("ehr", "http", post(r.url("/ehr"))), branch("lab", "http", post(r.url("/lab"))),
                    branch("billing", "http", post(r.url("/billing")))), 3, null))), List.of()));
            String eid = trigger(wf.getString("webhookUrl"), "{\"mrn\":\"4711\"}");
            JsonPath ex = awaitTerminal(ws, t, eid);
            assertEquals("succeeded", ex.getString("status"));
            assertEquals(Map.of("/ehr", true, "/lab", true, "/billing", true), sawOthers,
                    "all three branches were in flight at the same time");
            assertEquals("/ehr", ex.getString("steps.find { it.nodeId == 'fan' }.output.ehr.body.from"));
            assertEquals("/lab", ex.getString("steps.find { it.nodeId == 'fan' }.output.lab.body.from"));
            assertEquals("/billing", ex.getString("steps.find { it.nodeId == 'fan' }.output.billing.body.from"));
            assertEquals("4711", ex.getString("steps.find { it.nodeId == 'fan' }.output.lab.body.got.body.mrn"),
                    "every branch gets the node's input");
            Map<String, String> keys = new java.util.HashMap<>();
            r.hits().forEach(h -> keys.put(h.path(), h.header("Idempotency-Key")));
            assertEquals(Map.of("/ehr", eid + ":fan#ehr", "/lab", eid + ":fan#lab", "/billing", eid + ":fan#billing"),
                    keys);
            assertEquals(3, ex.getList("steps.findAll { it.nodeId.startsWith('fan#') }").size(),
                    "each branch is recorded as a step of its own");
        }
    }

    @Test
    void runsAtMostMaxConcurrencyBranchesAtATime() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> {
                most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                inFlight.decrementAndGet();
                return HttpReceiver.Reply.ok();
            });
            List<Object> branches = new ArrayList<>();
            for (String b : List.of("a", "b", "c", "d")) {
                branches.add(branch(b, "http", post(r.url("/" + b))));
            }
            JsonPath wf = create(ws, t, workflow(List.of(node("fan", "parallel", parallel(branches, 2, null))),
                    List.of()));
            JsonPath ex = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{}"));
            assertEquals("succeeded", ex.getString("status"));
            assertEquals(4, r.hits().size());
            assertEquals(2, most.get(), "two branches at a time, never more (and the bound was used)");
        }
    }

    @Test
    void aFailingBranchFailsTheStepStartsNoFurtherBranchAndARerunRunsOnlyWhatDidNotSucceed() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        AtomicBoolean bFails = new AtomicBoolean(true);
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> h.path().equals("/b") && bFails.get() ? new HttpReceiver.Reply(502, Map.of(), "down")
                    : HttpReceiver.Reply.ok());
            JsonPath wf = create(ws, t, workflow(List.of(node("fan", "parallel", parallel(List.of(
                    branch("a", "http", post(r.url("/a"))), branch("b", "http", post(r.url("/b"))),
                    branch("c", "http", post(r.url("/c")))), 1, null)),
                    node("after", "http", post(r.url("/after")))), List.of(NodeTestSupport.edge("fan", "after"))));
            JsonPath failed = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{}"));
            assertEquals("failed", failed.getString("status"));
            assertEquals("http_error", failed.getString("error.type"));
            assertEquals("http_error", failed.getString("steps.find { it.nodeId == 'fan' }.error.type"));
            assertTrue(failed.getString("steps.find { it.nodeId == 'fan' }.error.message").startsWith("branch b:"));
            assertEquals(List.of("/a", "/b"), r.hits().stream().map(ParallelNodeTest::path).toList(),
                    "c is not started once b failed, and nothing after the node runs");

            bFails.set(false);
            String rerun = given().auth().oauth2(t).contentType(ContentType.JSON).body(Map.of("from", "failed-step"))
                    .post("/api/v1/workspaces/" + ws + "/executions/" + failed.getString("id") + "/rerun")
                    .then().statusCode(202).extract().path("executionId");
            JsonPath ok = awaitTerminal(ws, t, rerun);
            assertEquals("succeeded", ok.getString("status"));
            assertEquals(List.of("/a", "/b", "/b", "/c", "/after"),
                    r.hits().stream().map(ParallelNodeTest::path).toList(), "a succeeded before and is not sent again");
            assertEquals(200, ok.getInt("steps.find { it.nodeId == 'fan' }.output.a.status"));
            assertEquals(200, ok.getInt("steps.find { it.nodeId == 'fan' }.output.c.status"));
        }
    }

    @Test
    void withOnFailureContinueEveryBranchRunsAndFailuresAreInTheOutput() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> h.path().equals("/b") ? new HttpReceiver.Reply(500, Map.of(), "no")
                    : HttpReceiver.Reply.ok());
            JsonPath wf = create(ws, t, workflow(List.of(node("fan", "parallel", parallel(List.of(
                    branch("a", "http", post(r.url("/a"))), branch("b", "http", post(r.url("/b"))),
                    branch("c", "http", post(r.url("/c")))), 1, "continue"))), List.of()));
            JsonPath ex = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{}"));
            assertEquals("succeeded", ex.getString("status"));
            assertEquals(List.of("/a", "/b", "/c"), r.hits().stream().map(ParallelNodeTest::path).toList());
            assertEquals("http_error", ex.getString("steps.find { it.nodeId == 'fan' }.output.b.error.type"));
            assertEquals(200, ex.getInt("steps.find { it.nodeId == 'fan' }.output.c.status"));
        }
    }

    @Test
    void rejectsInvalidParallelNodesNamingTheBranch() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        save(ws, t, workflow(List.of(node("fan", "parallel", parallel(List.of(), null, null))), List.of()))
                .then().statusCode(422).body("errors[0].node", org.hamcrest.Matchers.equalTo("fan"))
                .body("errors[0].field", org.hamcrest.Matchers.equalTo("params.branches"));
        JsonPath bad = save(ws, t, workflow(List.of(node("fan", "parallel", parallel(List.of(
                branch("a", "http", Map.of("method", "POST")), branch("a", "wait", Map.of("seconds", 1)),
                branch("c", "code", Map.of("source", "return 1"))), 0, "ignore"))), List.of()))
                .then().statusCode(422).contentType("application/problem+json").extract().jsonPath();
        List<String> fields = bad.getList("errors.field");
        assertTrue(fields.contains("params.branches[0].params.url"), fields.toString());
        assertTrue(fields.contains("params.branches[1].id"), fields.toString());
        assertTrue(fields.contains("params.branches[1].type"), fields.toString());
        assertTrue(fields.contains("params.maxConcurrency"), fields.toString());
        assertTrue(fields.contains("params.onFailure"), fields.toString());
        assertEquals(5, fields.size(), fields.toString());
    }

    @Test
    void aBranchCredentialMustBeAUsableCredentialOfTheWorkspace() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String secret = credential(ws, t, "webhook_secret", Map.of("secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        String other = newWorkspace();
        String elsewhere = credential(other, token(other, "editor"), "bearer", Map.of("token", "t-123"));
        JsonPath bad = save(ws, t, workflow(List.of(node("fan", "parallel", parallel(List.of(
                branch("a", "http", post("https://ehr.example/a", secret)),
                branch("b", "http", post("https://ehr.example/b", elsewhere))), null, null))), List.of()))
                .then().statusCode(422).extract().jsonPath();
        assertEquals(List.of("params.branches[0].params.credentialId", "params.branches[1].params.credentialId"),
                bad.getList("errors.field"));
        assertTrue(bad.getString("errors[0].message").contains("webhook_secret cannot be used by an http node"));
        assertEquals("no credential with this id exists in this workspace", bad.getString("errors[1].message"));
        String bearer = credential(ws, t, "bearer", Map.of("token", "t-456"));
        save(ws, t, workflow(List.of(node("fan", "parallel", parallel(List.of(
                branch("a", "http", post("https://ehr.example/a", bearer))), null, null))), List.of()))
                .then().statusCode(201);
    }
}

package io.medhook.workflow.engine;

import static io.medhook.workflow.WorkflowTestSupport.awaitTerminal;
import static io.medhook.workflow.WorkflowTestSupport.count;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.run;
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
import io.medhook.workflow.WorkflowTestSupport;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Workflow settings: an execution timeout measured from the first claim, and a per-workflow concurrency limit. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class EngineLimitsTest {

    private static Map<String, Object> withSettings(Map<String, Object> wf, Map<String, ?> settings) {
        wf.put("settings", settings);
        return wf;
    }

    private static void hold(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aRunningExecutionPastItsTimeoutEndsTimedOutAndCanBeRerun() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        AtomicBoolean slow = new AtomicBoolean(true);
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> {
                if (slow.get()) {
                    hold(3000);
                }
                return HttpReceiver.Reply.ok();
            });
            JsonPath wf = create(ws, t, withSettings(workflow(List.of(node("send", "http", post(r.url("/held")))),
                    List.of()), Map.of("timeoutSeconds", 1)));
            String eid = trigger(wf.getString("webhookUrl"), "{}");
            JsonPath done = awaitTerminal(ws, t, eid);
            assertEquals("timed_out", done.getString("status"));
            assertEquals("timeout", done.getString("error.type"));
            assertEquals(1, count("select count(*) from execution where id = '" + eid
                    + "' and deadline_at = started_at + interval '1 second'"), "deadline stored from the first claim");
            List<JsonNode> finishes = WorkflowTestSupport.auditEvents("execution.finish", "execution", eid);
            assertEquals(1, finishes.size());
            assertEquals("timed_out", finishes.get(0).path("change").path("after").path("status").asText());

            slow.set(false);
            String again = given().auth().oauth2(t).contentType(ContentType.JSON).body(Map.of("from", "start"))
                    .post("/api/v1/workspaces/" + ws + "/executions/" + eid + "/rerun")
                    .then().statusCode(202).extract().path("executionId");
            assertEquals("succeeded", awaitTerminal(ws, t, again).getString("status"));
        }
    }

    @Test
    void aWaitingExecutionPastItsTimeoutEndsTimedOutWithoutResuming() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            JsonPath wf = create(ws, t, withSettings(workflow(List.of(node("pause", "wait", Map.of("seconds", 5)),
                    node("after", "http", post(r.url("/after")))), List.of(edge("pause", "after"))),
                    Map.of("timeoutSeconds", 2)));
            Instant started = Instant.now();
            String eid = trigger(wf.getString("webhookUrl"), "{}");
            JsonPath done = awaitTerminal(ws, t, eid);
            long ms = Duration.between(started, Instant.now()).toMillis();
            assertEquals("timed_out", done.getString("status"));
            assertEquals("timeout", done.getString("error.type"));
            assertTrue(ms >= 1900 && ms < 4500, "ended around the 2 s deadline, not at the 5 s wait: " + ms);
            assertEquals(List.of(), r.hits(), "never resumed");
        }
    }

    @Test
    void maxConcurrencyKeepsTheRestQueuedAndRunsThemAllInOrder() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        AtomicInteger inReceiver = new AtomicInteger();
        AtomicInteger maxInReceiver = new AtomicInteger();
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> {
                maxInReceiver.accumulateAndGet(inReceiver.incrementAndGet(), Math::max);
                hold(1500);
                inReceiver.decrementAndGet();
                return HttpReceiver.Reply.ok();
            });
            JsonPath wf = create(ws, t, withSettings(workflow(List.of(node("send", "http", post(r.url("/held")))),
                    List.of()), Map.of("maxConcurrency", 2)));
            String id = wf.getString("id");
            AtomicInteger maxRunningSeen = new AtomicInteger();
            AtomicInteger queuedSeen = new AtomicInteger();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = Thread.ofVirtual().start(() -> {
                while (sampling.get()) {
                    try {
                        maxRunningSeen.accumulateAndGet(count("select count(*) from execution where status = 'running'"
                                + " and workflow_id = '" + id + "'"), Math::max);
                        queuedSeen.accumulateAndGet(count("select count(*) from execution where status = 'queued'"
                                + " and workflow_id = '" + id + "'"), Math::max);
                        Thread.sleep(10);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ids.add(run(ws, t, id, Map.of("n", i)));
            }
            List<String> statuses = new ArrayList<>();
            for (String eid : ids) {
                statuses.add(awaitTerminal(ws, t, eid).getString("status"));
            }
            sampling.set(false);
            sampler.join();
            int maxRunning = maxRunningSeen.get();
            assertEquals(List.of("succeeded", "succeeded", "succeeded", "succeeded", "succeeded", "succeeded"),
                    statuses);
            assertTrue(maxRunning <= 2, "never more than 2 running: " + maxRunning);
            assertEquals(2, maxRunning, "the limit is used");
            assertTrue(maxInReceiver.get() <= 2, "never more than 2 requests at once: " + maxInReceiver.get());
            assertTrue(queuedSeen.get() >= 3, "the rest waited queued: " + queuedSeen.get());
            assertEquals(0, count("select count(*) from execution a join execution b on a.workflow_id = b.workflow_id"
                    + " where a.workflow_id = '" + id + "' and a.created_at < b.created_at"
                    + " and a.started_at > b.started_at"), "started in FIFO order");
        }
    }

    @Test
    void badSettingsAre422NamingTheField() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        List<Object[]> cases = List.of(
                new Object[] {Map.of("timeoutSeconds", 0), "settings.timeoutSeconds"},
                new Object[] {Map.of("timeoutSeconds", 7 * 24 * 3600 + 1), "settings.timeoutSeconds"},
                new Object[] {Map.of("timeoutSeconds", "10"), "settings.timeoutSeconds"},
                new Object[] {Map.of("timeoutSeconds", 1.5), "settings.timeoutSeconds"},
                new Object[] {Map.of("maxConcurrency", 0), "settings.maxConcurrency"},
                new Object[] {Map.of("maxConcurrency", 1001), "settings.maxConcurrency"},
                new Object[] {Map.of("maxConcurrency", true), "settings.maxConcurrency"},
                new Object[] {Map.of("retries", 3), "settings.retries"},
                new Object[] {List.of(1), "settings"});
        for (Object[] c : cases) {
            Map<String, Object> wf = workflow(List.of(node("a", "wait", Map.of("seconds", 1))), List.of());
            wf.put("settings", c[0]);
            List<Map<String, String>> errors = save(ws, t, wf).then().statusCode(422)
                    .contentType("application/problem+json").extract().jsonPath().getList("errors");
            assertEquals(c[1], errors.get(0).get("field"), String.valueOf(c[0]));
        }
        Map<String, Object> ok = workflow(List.of(node("a", "wait", Map.of("seconds", 1))), List.of());
        ok.put("settings", Map.of("timeoutSeconds", 7 * 24 * 3600, "maxConcurrency", 1000));
        save(ws, t, ok).then().statusCode(201);
    }
}

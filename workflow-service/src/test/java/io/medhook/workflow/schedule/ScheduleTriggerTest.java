package io.medhook.workflow.schedule;

import static io.medhook.workflow.WorkflowTestSupport.auditEvents;
import static io.medhook.workflow.WorkflowTestSupport.count;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.medhook.workflow.engine.PayloadCrypto;
import io.medhook.workflow.execution.ExecutionStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Schedule triggers: validation, exactly-once firing across schedulers sharing the database, missed ticks after a
 * downtime. Schedulers under test are {@link ScheduleRunner} objects with a clock of the test's, set years ahead so the
 * application's own loop (system clock) never finds these schedules due.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class ScheduleTriggerTest {

    private static final Instant T0 = Instant.parse("2031-01-01T00:00:00Z");

    /** Schedules this test made: paused afterwards so the next test's schedulers do not find them due. */
    private final List<String> made = new ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void pauseSchedules() throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement ps = c.prepareStatement(
                "update workflow_schedule set next_fire_at = null where workflow_id = ?::uuid")) {
            for (String id : made) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
        }
    }

    @Inject
    ExecutionStore store;
    @Inject
    PayloadCrypto crypto;
    @Inject
    ObjectMapper json;

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        private volatile Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        void set(Instant t) {
            now = t;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void concurrentSchedulersFireEveryTickExactlyOnce() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String wf = createScheduled(ws, t, "0 * * * * ?", "UTC", "catch-up").then().statusCode(201)
                .extract().path("id");
        setNextFire(wf, T0);
        TestClock clock = new TestClock(T0);
        ScheduleRunner a = runner(clock, 100);
        ScheduleRunner b = runner(clock, 100);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            int n = 10;
            for (int k = 0; k < n; k++) {
                clock.set(T0.plus(Duration.ofMinutes(k)).plusMillis(500));
                assertEquals(1, race(pool, a, b), "tick " + k + " fired once in all");
            }
            assertEquals(n, executions(wf));
            // a downtime of 30 minutes caught up by eight racing passes: still one execution per tick
            clock.set(T0.plus(Duration.ofMinutes(n + 30)).plusSeconds(1));
            assertEquals(31, race(pool, a, b));
            assertEquals(n + 31, executions(wf));
            assertEquals(n + 31, count("select count(distinct tick_at) from schedule_tick where workflow_id = '"
                    + wf + "'"));
            assertEquals(0, race(pool, a, b), "nothing is due any more");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void catchUpFiresMissedTicksAndSkipResumesAtTheNextTick() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String catchUp = createScheduled(ws, t, "0 */5 * * * ?", "UTC", "catch-up").then().statusCode(201)
                .extract().path("id");
        String skip = createScheduled(ws, t, "*/5 * * * *", "UTC", "skip").then().statusCode(201)
                .extract().path("id");
        setNextFire(catchUp, T0);
        setNextFire(skip, T0);
        // down from before T0 until 01:02:30: ticks 00:00 ... 01:00 were missed (13 of them)
        TestClock clock = new TestClock(T0.plus(Duration.ofMinutes(62)).plusSeconds(30));
        ScheduleRunner r = runner(clock, 100);
        assertEquals(13, r.fireDue().await().atMost(Duration.ofSeconds(30)));
        assertEquals(13, executions(catchUp));
        assertEquals(0, executions(skip));
        assertEquals(T0.plus(Duration.ofMinutes(65)), nextFire(catchUp));
        assertEquals(T0.plus(Duration.ofMinutes(65)), nextFire(skip));
        // both fire on time from there on
        clock.set(T0.plus(Duration.ofMinutes(65)).plusSeconds(2));
        assertEquals(2, r.fireDue().await().atMost(Duration.ofSeconds(30)));
        assertEquals(1, executions(skip));
        // the scheduled run's input and trigger
        String eid = latestExecution(skip);
        given().auth().oauth2(t).get("/api/v1/workspaces/" + ws + "/executions/" + eid).then().statusCode(200)
                .body("trigger", equalTo("schedule"))
                .body("input.body.tick", equalTo("2031-01-01T01:05:00Z"))
                .body("input.body.scheduledAt", equalTo("2031-01-01T01:05Z"))
                .body("input.headers.size()", equalTo(0));
        assertEquals(1, auditEvents("execution.create", "execution", eid).size());
        assertEquals("schedule",
                auditEvents("execution.create", "execution", eid).get(0).get("change").get("after").get("trigger")
                        .asText());
    }

    @Test
    void skipFiresATickThatIsLateByLessThanTheMisfireThreshold() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String skip = createScheduled(ws, t, "0 */5 * * * ?", "Europe/Berlin", null).then().statusCode(201)
                .body("trigger.missed", org.hamcrest.Matchers.nullValue()).extract().path("id");
        setNextFire(skip, T0);
        ScheduleRunner r = runner(new TestClock(T0.plusSeconds(59)), 100);
        assertEquals(1, r.fireDue().await().atMost(Duration.ofSeconds(30)));
        given().auth().oauth2(t).get("/api/v1/workspaces/" + ws + "/executions/" + latestExecution(skip))
                .then().statusCode(200).body("input.body.scheduledAt", equalTo("2031-01-01T01:00+01:00"));
    }

    @Test
    void catchUpIsCappedToTheLatestTicks() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String wf = createScheduled(ws, t, "0 * * * * ?", "UTC", "catch-up").then().statusCode(201)
                .extract().path("id");
        setNextFire(wf, T0);
        ScheduleRunner r = runner(new TestClock(T0.plus(Duration.ofDays(2))), 5);
        assertEquals(5, r.fireDue().await().atMost(Duration.ofSeconds(30)));
        assertEquals(T0.plus(Duration.ofDays(2)).minus(Duration.ofMinutes(4)), firstTick(wf));
    }

    @Test
    void deactivatedAndDeletedWorkflowsDoNotFire() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String wf = createScheduled(ws, t, "0 * * * * ?", "UTC", "catch-up").then().statusCode(201)
                .extract().path("id");
        setNextFire(wf, T0);
        ScheduleRunner r = runner(new TestClock(T0.plus(Duration.ofMinutes(10))), 100);
        given().auth().oauth2(t).post("/api/v1/workspaces/" + ws + "/workflows/" + wf + "/deactivate")
                .then().statusCode(200);
        assertEquals(0, r.fireDue().await().atMost(Duration.ofSeconds(30)));
        // activation resumes at the next tick after now: what passed while deactivated is not caught up
        given().auth().oauth2(t).post("/api/v1/workspaces/" + ws + "/workflows/" + wf + "/activate")
                .then().statusCode(200);
        assertTrue(nextFire(wf).isAfter(Instant.now()) && nextFire(wf).isBefore(Instant.now().plusSeconds(61)));
        setNextFire(wf, T0);
        assertEquals(11, r.fireDue().await().atMost(Duration.ofSeconds(30)));
        setNextFire(wf, T0.plus(Duration.ofMinutes(11)));
        given().auth().oauth2(t).delete("/api/v1/workspaces/" + ws + "/workflows/" + wf).then().statusCode(204);
        assertEquals(0, runner(new TestClock(T0.plus(Duration.ofDays(1))), 100).fireDue()
                .await().atMost(Duration.ofSeconds(30)));
        assertEquals(11, executions(wf));
    }

    @Test
    void anUpdateToAnotherTriggerStopsTheScheduleAndAScheduledWorkflowHasNoWebhook() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath created = createScheduled(ws, t, "0 * * * *", "UTC", "skip").then().statusCode(201).extract()
                .jsonPath();
        String wf = created.getString("id");
        String url = created.getString("webhookUrl");
        given().contentType(ContentType.JSON).body("{}").post(url.substring(url.indexOf("/api/v1/webhooks/")))
                .then().statusCode(404);
        assertEquals(1, count("select count(*) from workflow_schedule where workflow_id = '" + wf + "'"));
        given().auth().oauth2(t).contentType(ContentType.JSON).body(definition(Map.of("type", "webhook")))
                .put("/api/v1/workspaces/" + ws + "/workflows/" + wf).then().statusCode(200);
        assertEquals(0, count("select count(*) from workflow_schedule where workflow_id = '" + wf + "'"));
        given().contentType(ContentType.JSON).body("{}").post(url.substring(url.indexOf("/api/v1/webhooks/")))
                .then().statusCode(202);
    }

    @Test
    void theApplicationsOwnSchedulerFiresASecondlySchedule() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String wf = createScheduled(ws, t, "* * * * * ?", "UTC", "skip").then().statusCode(201).extract().path("id");
        Instant end = Instant.now().plusSeconds(15);
        while (executions(wf) < 2 && Instant.now().isBefore(end)) {
            Thread.sleep(100);
        }
        given().auth().oauth2(t).post("/api/v1/workspaces/" + ws + "/workflows/" + wf + "/deactivate")
                .then().statusCode(200);
        assertTrue(executions(wf) >= 2, "the loop fired");
        assertEquals(executions(wf), count("select count(*) from schedule_tick where workflow_id = '" + wf + "'"));
        Thread.sleep(500);
        int after = executions(wf);
        Thread.sleep(1500);
        assertEquals(after, executions(wf), "a deactivated workflow does not fire");
    }

    @Test
    void refusesBadExpressionsZonesAndPolicies() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        invalid(createScheduled(ws, t, "61 * * * *", "UTC", "skip"), "trigger.cron", "not a valid 5-field");
        invalid(createScheduled(ws, t, "0 0 12 * * *", "UTC", "skip"), "trigger.cron", "not a valid Quartz");
        invalid(createScheduled(ws, t, null, "UTC", "skip"), "trigger.cron", "is required");
        invalid(createScheduled(ws, t, "* * * * *", "Europe/Atlantis", "skip"), "trigger.timeZone",
                "not a known time zone");
        invalid(createScheduled(ws, t, "* * * * *", "UTC", "later"), "trigger.missed", "skip or catch-up");
        Map<String, Object> withSignature = new LinkedHashMap<>(Map.of("type", "schedule", "cron", "* * * * *"));
        withSignature.put("signature", Map.of("scheme", "hmac-sha256", "credentialId", UUID.randomUUID().toString()));
        given().auth().oauth2(t).contentType(ContentType.JSON).body(definition(withSignature))
                .post("/api/v1/workspaces/" + ws + "/workflows").then().statusCode(422)
                .body("errors.field", org.hamcrest.Matchers.hasItem("trigger.signature"));
        invalid(given().auth().oauth2(t).contentType(ContentType.JSON)
                .body(definition(Map.of("type", "webhook", "cron", "* * * * *")))
                .post("/api/v1/workspaces/" + ws + "/workflows"), "trigger", "belong to a schedule trigger");
        invalid(given().auth().oauth2(t).contentType(ContentType.JSON).body(definition(Map.of("type", "email")))
                .post("/api/v1/workspaces/" + ws + "/workflows"), "trigger.type", "webhook or schedule");
    }

    // --- helpers

    private ScheduleRunner runner(Clock clock, int cap) {
        return new ScheduleRunner(store, crypto, json, clock, Duration.ofSeconds(60), cap, 50);
    }

    /** Four passes of each scheduler at the same time; the executions they enqueued together. */
    private static int race(ExecutorService pool, ScheduleRunner a, ScheduleRunner b) throws Exception {
        List<Callable<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            calls.add(() -> a.fireDue().await().atMost(Duration.ofSeconds(30)));
            calls.add(() -> b.fireDue().await().atMost(Duration.ofSeconds(30)));
        }
        int sum = 0;
        for (Future<Integer> f : pool.invokeAll(calls)) {
            sum += f.get();
        }
        return sum;
    }

    private static Map<String, Object> definition(Map<String, Object> trigger) {
        return Map.of("name", "wf-" + UUID.randomUUID(), "trigger", trigger,
                "nodes", List.of(Map.of("id", "c", "type", "code", "params", Map.of("source", "return input;"))),
                "edges", List.of());
    }

    private Response createScheduled(String ws, String t, String cron, String zone, String missed) {
        Map<String, Object> trigger = new LinkedHashMap<>();
        trigger.put("type", "schedule");
        if (cron != null) {
            trigger.put("cron", cron);
        }
        trigger.put("timeZone", zone);
        if (missed != null) {
            trigger.put("missed", missed);
        }
        Response r = given().auth().oauth2(t).contentType(ContentType.JSON).body(definition(trigger))
                .post("/api/v1/workspaces/" + ws + "/workflows");
        if (r.statusCode() == 201) {
            made.add(r.path("id"));
        }
        return r;
    }

    private static void invalid(Response r, String field, String message) {
        r.then().statusCode(422).contentType("application/problem+json")
                .body("errors[0].field", equalTo(field)).body("errors[0].message", containsString(message));
    }

    private static void setNextFire(String workflowId, Instant at) throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement ps = c.prepareStatement(
                "update workflow_schedule set next_fire_at = ? where workflow_id = ?::uuid")) {
            ps.setTimestamp(1, Timestamp.from(at));
            ps.setString(2, workflowId);
            assertEquals(1, ps.executeUpdate());
        }
    }

    private static Instant nextFire(String workflowId) throws Exception {
        return instant("select next_fire_at from workflow_schedule where workflow_id = '" + workflowId + "'");
    }

    private static Instant firstTick(String workflowId) throws Exception {
        return instant("select min(tick_at) from schedule_tick where workflow_id = '" + workflowId + "'");
    }

    private static Instant instant(String sql) throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    private static String latestExecution(String workflowId) throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select execution_id from schedule_tick where workflow_id = '" + workflowId
                        + "' order by tick_at desc limit 1")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static int executions(String workflowId) throws Exception {
        return count("select count(*) from execution where workflow_id = '" + workflowId
                + "' and trigger_type = 'schedule'");
    }
}

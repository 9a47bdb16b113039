package io.medhook.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.testing.HttpReceiver;
import io.restassured.http.ContentType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two workflow-service processes on one database share 1,000 webhook calls (webhook → code → http); one of them is
 * killed with SIGKILL in the middle. Every accepted webhook ends in exactly one terminal state (one execution row, one
 * row per step), every execution delivers to the receiver, and deliveries repeated by resumed steps carry the same
 * idempotency key. Calls in flight at the kill may have been stored without their 202 reaching the caller: those
 * executions run too, and are counted separately.
 */
@ExtendWith(Suite.Extension.class)
class DurabilityIT {

    static final int EXECUTIONS = 1000;
    static final int KILL_AFTER = 400;
    static final String SECOND = "workflow-service-2";

    @Test
    void aThousandExecutionsOnTwoReplicasEachEndOnceAlthoughOneIsKilled(Suite suite) throws Exception {
        String token = suite.login();
        String ws = given().auth().oauth2(token).get(suite.url("auth-service") + "/api/v1/workspaces")
                .then().extract().path("items.find { it.kind == 'sandbox' }.id");
        try (HttpReceiver receiver = HttpReceiver.start("127.0.0.2")) {
            Map<String, Object> def = Map.of("name", "durability-" + System.nanoTime(),
                    "trigger", Map.of("type", "webhook"),
                    "nodes", List.of(
                            Map.of("id", "shape", "type", "code",
                                    "params", Map.of("source", "return {n: input.body.n, twice: input.body.n * 2};")),
                            Map.of("id", "send", "type", "http",
                                    "params", Map.of("method", "POST", "url", receiver.url("/in")))),
                    "edges", List.of(Map.of("from", "shape", "to", "send")));
            Map<String, Object> wf = given().auth().oauth2(token).contentType(ContentType.JSON).body(def)
                    .post(suite.url("workflow-service") + "/api/v1/workspaces/" + ws + "/workflows")
                    .then().statusCode(201).extract().jsonPath().getMap("");
            String workflowId = (String) wf.get("id");
            String hookPath = URI.create((String) wf.get("webhookUrl")).getPath();

            suite.startReplica(SECOND, "workflow-service");
            suite.awaitReady(SECOND, Duration.ofSeconds(120));

            // 1,000 webhook calls, alternating between the replicas, 8 at a time; the second one is killed (SIGKILL)
            // once 400 were accepted. Calls that reach it after that fail to connect and are not counted as accepted.
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            Set<String> accepted = ConcurrentHashMap.newKeySet();
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger sent = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> calls = new java.util.ArrayList<>();
                for (int i = 0; i < EXECUTIONS; i++) {
                    int n = i;
                    calls.add(pool.submit(() -> {
                        String target = n % 2 == 0 ? suite.url("workflow-service") : suite.url(SECOND);
                        HttpRequest req = HttpRequest.newBuilder(URI.create(target + hookPath))
                                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"n\": " + n + "}")).build();
                        sent.incrementAndGet();
                        try {
                            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 202) {
                                accepted.add(io.restassured.path.json.JsonPath.from(r.body()).getString("executionId"));
                            } else {
                                refused.incrementAndGet();
                            }
                        } catch (java.io.IOException e) {
                            refused.incrementAndGet(); // the killed replica
                        }
                        if (accepted.size() >= KILL_AFTER && n % 2 == 1) {
                            suite.kill(SECOND);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : calls) {
                    f.get(5, java.util.concurrent.TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
                suite.kill(SECOND);
            }
            System.out.printf("DurabilityIT: %d calls, %d accepted, %d refused or failed after the kill%n",
                    sent.get(), accepted.size(), refused.get());
            assertTrue(accepted.size() >= KILL_AFTER, "accepted " + accepted.size());

            // the survivor takes over the killed replica's executions once their leases expire
            Map<String, String> status = Map.of();
            Instant end = Instant.now().plus(Duration.ofMinutes(3));
            while (Instant.now().isBefore(end)) {
                status = statuses(suite, workflowId);
                if (status.keySet().containsAll(accepted) && status.values().stream().noneMatch(
                        s -> s.equals("queued") || s.equals("running"))) {
                    break;
                }
                Thread.sleep(500);
            }
            // every accepted call has its execution; a call the killed replica stored but could not answer any more
            // has one too (the caller saw a failure and would retry), so there may be a few more, never more than
            // the calls that failed
            assertTrue(status.keySet().containsAll(accepted), "an accepted execution is missing");
            int unanswered = status.size() - accepted.size();
            assertTrue(unanswered >= 0 && unanswered <= refused.get(), unanswered + " executions beyond the accepted");
            Map<String, Long> byStatus = status.values().stream()
                    .collect(Collectors.groupingBy(s -> s, Collectors.counting()));
            assertEquals(Map.of("succeeded", (long) status.size()), byStatus,
                    "every execution ended once, succeeded; the others: " + notSucceeded(suite, workflowId));
            assertEquals(0, stepsNotOnce(suite, workflowId), "each execution has exactly one row per node");

            // every execution delivered; repeats (a step resumed after the kill) carry the same idempotency key
            List<HttpReceiver.Hit> hits = receiver.hits();
            Map<String, Long> perKey = hits.stream().collect(Collectors.groupingBy(
                    h -> String.valueOf(h.header("Idempotency-Key")), Collectors.counting()));
            Set<String> deliveredExecutions = perKey.keySet().stream().map(k -> k.split(":")[0])
                    .collect(Collectors.toSet());
            assertEquals(status.keySet(), deliveredExecutions,
                    "one idempotency key per execution, every execution delivered");
            long repeats = hits.size() - perKey.size();
            System.out.printf("DurabilityIT: %d executions (%d accepted, %d stored but unanswered), all succeeded;"
                    + " %d deliveries, %d distinct idempotency keys, %d repeats%n", status.size(), accepted.size(),
                    unanswered, hits.size(), perKey.size(), repeats);
        }
    }

    private static Connection workflowDb(Suite suite) throws Exception {
        return DriverManager.getConnection(suite.postgres().jdbcUrl(suite.database("workflow-service")),
                suite.postgres().user(), suite.postgres().password());
    }

    private static Map<String, String> statuses(Suite suite, String workflowId) throws Exception {
        Map<String, String> out = new HashMap<>();
        try (Connection c = workflowDb(suite);
                PreparedStatement s = c.prepareStatement("select id, status from execution where workflow_id = ?")) {
            s.setObject(1, java.util.UUID.fromString(workflowId));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    /** Error types (never payloads) of the executions that did not succeed, with their steps'. */
    private static List<String> notSucceeded(Suite suite, String workflowId) throws Exception {
        List<String> out = new java.util.ArrayList<>();
        try (Connection c = workflowDb(suite); PreparedStatement s = c.prepareStatement("""
                select e.status, e.error_type, st.node_id, st.status, st.error_type, st.attempts, e.attempts
                from execution e left join execution_step st on st.execution_id = e.id
                where e.workflow_id = ? and e.status <> 'succeeded'""")) {
            s.setObject(1, java.util.UUID.fromString(workflowId));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + "/" + rs.getString(2) + " step " + rs.getString(3) + " "
                            + rs.getString(4) + "/" + rs.getString(5) + " step attempts " + rs.getInt(6)
                            + ", execution attempts " + rs.getInt(7));
                }
            }
        }
        return out;
    }

    /** Executions of the workflow that do not have exactly one succeeded step per node (two nodes). */
    private static long stepsNotOnce(Suite suite, String workflowId) throws Exception {
        try (Connection c = workflowDb(suite); PreparedStatement s = c.prepareStatement("""
                select count(*) from execution e
                where e.workflow_id = ? and (select count(*) from execution_step st
                                             where st.execution_id = e.id and st.status = 'succeeded') <> 2""")) {
            s.setObject(1, java.util.UUID.fromString(workflowId));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}

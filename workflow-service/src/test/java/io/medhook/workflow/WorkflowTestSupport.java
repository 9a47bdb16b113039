package io.medhook.workflow;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuer;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Helpers shared by workflow-service tests. */
public final class WorkflowTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static final Set<String> TERMINAL = Set.of("succeeded", "failed", "cancelled", "timed_out");

    private WorkflowTestSupport() {
    }

    public static String newWorkspace() {
        return UUID.randomUUID().toString();
    }

    public static String token(String workspaceId, String role) {
        return TestIssuer.current().user("user-" + UUID.randomUUID(), Map.of(workspaceId, role));
    }

    public static Map<String, Object> httpWorkflow(String url) {
        return Map.of("name", "wf-" + UUID.randomUUID(), "trigger", Map.of("type", "webhook"),
                "nodes", List.of(Map.of("id", "send", "type", "http", "params", Map.of("method", "POST", "url", url))),
                "edges", List.of());
    }

    public static JsonPath create(String ws, String token, Object body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body)
                .post("/api/v1/workspaces/" + ws + "/workflows")
                .then().statusCode(201).extract().jsonPath();
    }

    /** Posts to a webhook URL (absolute, as the API returns it) and returns the execution id. */
    public static String trigger(String webhookUrl, String json) {
        String path = webhookUrl.substring(webhookUrl.indexOf("/api/v1/webhooks/"));
        return given().contentType(ContentType.JSON).body(json).post(path)
                .then().statusCode(202).extract().path("executionId");
    }

    /** Starts a manual run with {@code {"input": input}} and returns the execution id. */
    public static String run(String ws, String token, String workflowId, Object input) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("input", input))
                .post("/api/v1/workspaces/" + ws + "/workflows/" + workflowId + "/run")
                .then().statusCode(202).extract().path("executionId");
    }

    /** The audit events in the outbox with this action on this resource, oldest first. */
    public static List<JsonNode> auditEvents(String action, String resourceType, String resourceId) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement ps = c.prepareStatement(
                "select payload from audit_outbox where payload like ? and payload like ? order by seq")) {
            ps.setString(1, "%\"action\":\"" + action + "\"%");
            ps.setString(2, "%\"resource\":{\"type\":\"" + resourceType + "\",\"id\":\"" + resourceId + "\"}%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(JSON.readTree(rs.getString(1)));
                }
            }
        }
        return out;
    }

    /** How many rows a SQL count query returns (test-built SQL only, with ids the test made). */
    public static int count(String sql) throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    public static JsonPath awaitTerminal(String ws, String token, String executionId) throws InterruptedException {
        Instant end = Instant.now().plus(Duration.ofSeconds(20));
        JsonPath last = null;
        while (Instant.now().isBefore(end)) {
            last = given().auth().oauth2(token).get("/api/v1/workspaces/" + ws + "/executions/" + executionId)
                    .then().statusCode(200).extract().jsonPath();
            if (TERMINAL.contains(last.getString("status"))) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("execution did not finish: " + (last == null ? null : last.prettify()));
    }

    /** Sleeps on a test's own thread (a receiver's handler, say), keeping the interrupt flag instead of throwing. */
    public static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits up to 30 s for {@code latch}, keeping the interrupt flag instead of throwing. */
    public static void awaitLatch(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

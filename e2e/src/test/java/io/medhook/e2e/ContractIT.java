package io.medhook.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.testing.HttpReceiver;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The walking-skeleton contract, driven from outside against the four real services: login, workspaces, a workflow
 * whose code node reshapes the payload and whose http node posts it to a real receiver, the webhook, the execution,
 * and the audit trail with an intact chain.
 */
@ExtendWith(Suite.Extension.class)
class ContractIT {

    private static Suite suite;
    private static HttpReceiver receiver;

    @BeforeAll
    static void setUp(Suite started) {
        suite = started;
        receiver = HttpReceiver.start("127.0.0.2");
    }

    @AfterAll
    static void tearDown() {
        if (receiver != null) {
            receiver.close();
        }
    }

    static String login() {
        return suite.login();
    }

    static String workspace(String token, String kind) {
        return given().auth().oauth2(token).get(suite.url("auth-service") + "/api/v1/workspaces")
                .then().statusCode(200)
                .extract().path("items.find { it.kind == '" + kind + "' }.id");
    }

    static JsonPath createWorkflow(String token, String ws, List<Map<String, Object>> nodes,
            List<Map<String, String>> edges) {
        return given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("name", "e2e-" + System.nanoTime(), "trigger", Map.of("type", "webhook"),
                        "nodes", nodes, "edges", edges))
                .post(suite.url("workflow-service") + "/api/v1/workspaces/" + ws + "/workflows")
                .then().statusCode(201).extract().jsonPath();
    }

    static JsonPath awaitExecution(String token, String ws, String id) throws InterruptedException {
        return suite.awaitExecution(token, ws, id);
    }

    @Test
    void webhookToJavaScriptToHttpEndToEnd() throws Exception {
        String token = login();
        String ws = workspace(token, "sandbox");
        assertNotNull(workspace(token, "production"), "a production workspace exists too");
        JsonPath wf = createWorkflow(token, ws, List.of(
                Map.of("id", "n1", "type", "code",
                        "params", Map.of("source", "return {id: input.body.id, twice: input.body.n * 2};")),
                Map.of("id", "n2", "type", "http",
                        "params", Map.of("method", "POST", "url", receiver.url("/in")))),
                List.of(Map.of("from", "n1", "to", "n2")));
        assertEquals(1, wf.getInt("version"));
        String executionId = given().contentType(ContentType.JSON).body(Map.of("id", "p-1", "n", 21))
                .post(wf.getString("webhookUrl"))
                .then().statusCode(202).extract().path("executionId");

        JsonPath ex = awaitExecution(token, ws, executionId);
        assertEquals("succeeded", ex.getString("status"), ex.prettify());
        assertEquals(Map.of("id", "p-1", "twice", 42), ex.getMap("steps.find { it.nodeId == 'n1' }.output"));
        assertEquals("succeeded", ex.getString("steps.find { it.nodeId == 'n2' }.status"));
        assertNotNull(ex.getString("createdAt"));
        assertNotNull(ex.getString("finishedAt"));

        List<HttpReceiver.Hit> hits = receiver.await(1, Duration.ofSeconds(5));
        assertEquals(1, hits.size());
        assertEquals(Map.of("id", "p-1", "twice", 42), new ObjectMapper().readValue(hits.get(0).body(), Map.class));

        // the creation reaches the audit log through the outbox relay, and the chain verifies
        String workflowId = wf.getString("id");
        Instant end = Instant.now().plusSeconds(30);
        JsonPath event = null;
        while (Instant.now().isBefore(end) && event == null) {
            JsonPath page = given().auth().oauth2(token)
                    .queryParam("action", "workflow.create").queryParam("limit", 500)
                    .get(suite.url("audit-service") + "/api/v1/audit/events")
                    .then().statusCode(200).extract().jsonPath();
            List<Map<String, Object>> items = page.getList("items");
            for (int i = 0; i < items.size(); i++) {
                if (workflowId.equals(page.getString("items[" + i + "].resource.id"))) {
                    event = JsonPath.from(new ObjectMapper().writeValueAsString(items.get(i)));
                }
            }
            if (event == null) {
                Thread.sleep(250);
            }
        }
        assertNotNull(event, "workflow.create reached audit-service");
        assertEquals(ws, event.getString("workspaceId"));
        assertEquals("user", event.getString("actor.type"));
        assertEquals("admin", event.getString("actor.name"));
        assertNotNull(event.getString("occurredAt"));
        given().auth().oauth2(token).get(suite.url("audit-service") + "/api/v1/audit/verify")
                .then().statusCode(200)
                .body("intact", org.hamcrest.Matchers.equalTo(true))
                .body("events", org.hamcrest.Matchers.greaterThan(0));
    }

    @Test
    void scriptErrorsFailTheStepWithAMachineReadableType() throws Exception {
        String token = login();
        String ws = workspace(token, "sandbox");
        JsonPath wf = createWorkflow(token, ws, List.of(Map.of("id", "boom", "type", "code",
                "params", Map.of("source", "throw new Error('no ' + input.body.x);"))), List.of());
        String id = given().contentType(ContentType.JSON).body(Map.of("x", "luck"))
                .post(wf.getString("webhookUrl")).then().statusCode(202).extract().path("executionId");
        JsonPath ex = awaitExecution(token, ws, id);
        assertEquals("failed", ex.getString("status"));
        assertEquals("script_error", ex.getString("steps[0].error.type"));
        assertTrue(ex.getString("steps[0].error.message").contains("no luck"));
        assertEquals("script_error", ex.getString("error.type"));
    }

    @Test
    void internalApisRefuseUserTokensAndAnonymousCallers() {
        String token = login();
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("source", "return 1;", "input", Map.of()))
                .post(suite.url("sandbox-service") + "/api/v1/sandbox/executions")
                .then().statusCode(401).contentType("application/problem+json");
        given().contentType(ContentType.JSON).body(Map.of("source", "return 1;", "input", Map.of()))
                .post(suite.url("sandbox-service") + "/api/v1/sandbox/executions")
                .then().statusCode(401);
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("events", List.of()))
                .post(suite.url("audit-service") + "/api/v1/audit/events/batch")
                .then().statusCode(403).contentType("application/problem+json");
        given().get(suite.url("workflow-service") + "/api/v1/workspaces/x/workflows").then().statusCode(401);
        given().get(suite.url("audit-service") + "/api/v1/audit/events").then().statusCode(401);
    }

    @Test
    void noPayloadOrSecretAppearsInAnyLog() throws Exception {
        String token = login();
        String ws = workspace(token, "sandbox");
        String marker = "SSN-" + System.nanoTime();
        JsonPath wf = createWorkflow(token, ws, List.of(Map.of("id", "c", "type", "code",
                "params", Map.of("source", "console.log(input.body.ssn); throw new Error(input.body.ssn);"))), List.of());
        String id = given().contentType(ContentType.JSON).body(Map.of("ssn", marker))
                .post(wf.getString("webhookUrl")).then().statusCode(202).extract().path("executionId");
        awaitExecution(token, ws, id);
        String logs = suite.logs();
        assertFalse(logs.contains(marker), "payload data in a log line");
        assertFalse(logs.contains(Suite.ADMIN_PASSWORD), "admin password in a log line");
        assertFalse(logs.contains(token.substring(token.lastIndexOf('.') + 1)), "a token in a log line");
    }
}

package io.medhook.workflow.delivery;

import static io.medhook.workflow.WorkflowTestSupport.awaitTerminal;
import static io.medhook.workflow.WorkflowTestSupport.count;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.WorkflowTestSupport.trigger;
import static io.medhook.workflow.delivery.DeliveryTestSupport.awaitDelivery;
import static io.medhook.workflow.delivery.DeliveryTestSupport.endpoint;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code webhook} node and execution events, end to end with the service's own engine and dispatcher: what the
 * Node {@code standardwebhooks} receiver gets, verified there.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class WebhookNodeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static NodeWebhookReceiver node;

    @BeforeAll
    static void startReceiver() throws Exception {
        node = NodeWebhookReceiver.start();
    }

    @AfterAll
    static void stopReceiver() {
        if (node != null) {
            node.close();
        }
    }

    private static List<JsonNode> awaitHits(String path, int n) throws Exception {
        Instant end = Instant.now().plusSeconds(20);
        List<JsonNode> h = List.of();
        while (Instant.now().isBefore(end)) {
            h = node.hits().stream().filter(x -> x.get("path").asText().equals(path)).toList();
            if (h.size() >= n) {
                break;
            }
            Thread.sleep(25);
        }
        assertEquals(n, h.size(), "deliveries at " + path);
        return h;
    }

    @Test
    void aWebhookNodeDeliversItsInputSignedAndTheExecutionEventFollows() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String nodePath = "/node/" + UUID.randomUUID();
        String eventsPath = "/events/" + UUID.randomUUID();
        var target = endpoint(ws, editor, Map.of("url", node.url(nodePath)));
        var events = endpoint(ws, editor, Map.of("url", node.url(eventsPath),
                "eventTypes", List.of("execution.succeeded", "execution.failed")));
        node.configure(Map.of("secrets", List.of(target.getString("secret"), events.getString("secret")),
                "status", 200, "delayMs", 0, "down", false));
        JsonPath wf = create(ws, editor, Map.of("name", "wf-" + UUID.randomUUID(), "trigger", Map.of("type", "webhook"),
                "nodes", List.of(Map.of("id", "notify", "type", "webhook", "params",
                        Map.of("endpointId", target.getString("id"), "eventType", "patient.updated"))),
                "edges", List.of()));
        String execution = trigger(wf.getString("webhookUrl"), "{\"patient\": \"P-17\"}");
        JsonPath done = awaitTerminal(ws, editor, execution);
        assertEquals("succeeded", done.getString("status"));

        JsonNode hit = awaitHits(nodePath, 1).get(0);
        assertEquals("ok", hit.get("results").get(0).get("verify").asText());
        JsonNode body = JSON.readTree(hit.get("body").asText());
        assertEquals("patient.updated", body.get("type").asText());
        assertEquals("P-17", body.get("data").get("body").get("patient").asText(), "the node's input: the trigger's");

        JsonNode event = awaitHits(eventsPath, 1).get(0);
        assertEquals("ok", event.get("results").get(1).get("verify").asText());
        JsonNode ev = JSON.readTree(event.get("body").asText());
        assertEquals("execution.succeeded", ev.get("type").asText());
        assertEquals(execution, ev.get("data").get("executionId").asText());
        assertEquals(wf.getString("id"), ev.get("data").get("workflowId").asText());
        assertTrue(!event.get("body").asText().contains("P-17"), "an execution event carries no payload");
        assertEquals(1, count("select count(*) from webhook_delivery where execution_id = '" + execution
                + "' and event_type = 'execution.succeeded'"));
        // the node's step output names its delivery, which the API shows with its attempt log
        String deliveryId = given().auth().oauth2(editor).get("/api/v1/workspaces/" + ws + "/webhook-endpoints/"
                + target.getString("id") + "/deliveries").then().statusCode(200).extract().path("items[0].id");
        assertEquals("succeeded", awaitDelivery(ws, editor, deliveryId, j -> "succeeded".equals(j.getString("status")),
                Duration.ofSeconds(10)).getString("status"));
        assertEquals(hit.get("id").asText(), DeliveryTestSupport.delivery(ws, editor, deliveryId).getString("msgId"));
    }

    @Test
    void aFailedExecutionSendsExecutionFailedOnlyToEndpointsThatFollowItsWorkflow() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String allPath = "/all/" + UUID.randomUUID();
        String otherPath = "/other/" + UUID.randomUUID();
        var all = endpoint(ws, editor, Map.of("url", node.url(allPath), "eventTypes", List.of("execution.failed")));
        endpoint(ws, editor, Map.of("url", node.url(otherPath), "eventTypes", List.of("*"),
                "workflowIds", List.of(UUID.randomUUID().toString())));
        node.configure(Map.of("secrets", List.of(all.getString("secret")), "status", 200, "delayMs", 0));
        // 127.0.0.1 is not allow-listed in tests: the http node fails with egress_blocked
        JsonPath wf = create(ws, editor, io.medhook.workflow.WorkflowTestSupport.httpWorkflow("http://127.0.0.1:9/x"));
        String execution = trigger(wf.getString("webhookUrl"), "{}");
        assertEquals("failed", awaitTerminal(ws, editor, execution).getString("status"));
        JsonNode hit = awaitHits(allPath, 1).get(0);
        assertEquals("ok", hit.get("results").get(0).get("verify").asText());
        JsonNode ev = JSON.readTree(hit.get("body").asText());
        assertEquals("execution.failed", ev.get("type").asText());
        assertEquals("failed", ev.get("data").get("status").asText());
        assertEquals("egress_blocked", ev.get("data").get("errorType").asText());
        Thread.sleep(300);
        assertEquals(0, node.hits().stream().filter(x -> x.get("path").asText().equals(otherPath)).count(),
                "an endpoint that follows another workflow gets nothing");
    }

    @Test
    void aWebhookNodeNamingAnUnknownEndpointIsRefusedOnSaveNamingTheNode() {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String otherWs = newWorkspace();
        String foreign = endpoint(otherWs, token(otherWs, "editor"), Map.of("url", "http://127.0.0.2:9/x"))
                .getString("id");
        for (String id : List.of(UUID.randomUUID().toString(), foreign)) {
            given().auth().oauth2(editor).contentType(ContentType.JSON)
                    .body(Map.of("name", "wf-" + UUID.randomUUID(), "trigger", Map.of("type", "webhook"),
                            "nodes", List.of(Map.of("id", "notify", "type", "webhook", "params",
                                    Map.of("endpointId", id))), "edges", List.of()))
                    .post("/api/v1/workspaces/" + ws + "/workflows")
                    .then().statusCode(422).contentType("application/problem+json")
                    .body("errors[0].node", equalTo("notify"))
                    .body("errors[0].field", equalTo("params.endpointId"))
                    .body("detail", containsString("notify"));
        }
        given().auth().oauth2(editor).contentType(ContentType.JSON)
                .body(Map.of("name", "wf-" + UUID.randomUUID(), "trigger", Map.of("type", "webhook"),
                        "nodes", List.of(Map.of("id", "notify", "type", "webhook", "params",
                                Map.of("endpointId", "not-a-uuid", "extra", 1))), "edges", List.of()))
                .post("/api/v1/workspaces/" + ws + "/workflows")
                .then().statusCode(422).body("errors.field", org.hamcrest.Matchers.hasItems("params.endpointId"));
    }

    @Test
    void aWebhookNodeWhoseEndpointWasDeletedAfterSaveFailsItsStep() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String endpointId = endpoint(ws, editor, Map.of("url", "http://127.0.0.2:9/gone")).getString("id");
        JsonPath wf = create(ws, editor, Map.of("name", "wf-" + UUID.randomUUID(), "trigger", Map.of("type", "webhook"),
                "nodes", List.of(Map.of("id", "notify", "type", "webhook", "params", Map.of("endpointId", endpointId))),
                "edges", List.of()));
        given().auth().oauth2(editor).delete(DeliveryTestSupport.endpoints(ws) + "/" + endpointId).then()
                .statusCode(204);
        String execution = trigger(wf.getString("webhookUrl"), "{}");
        JsonPath done = awaitTerminal(ws, editor, execution);
        assertEquals("failed", done.getString("status"));
        assertEquals("invalid_params", done.getString("steps[0].error.type"));
        assertEquals(0, count("select count(*) from webhook_delivery where execution_id = '" + execution + "'"));
    }
}

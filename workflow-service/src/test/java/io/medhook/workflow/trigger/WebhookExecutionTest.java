package io.medhook.workflow.trigger;

import static io.medhook.workflow.WorkflowTestSupport.awaitTerminal;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.httpWorkflow;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.WorkflowTestSupport.trigger;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class WebhookExecutionTest {

    private static HttpReceiver receiver;
    private static HttpReceiver canary;

    @BeforeAll
    static void servers() {
        receiver = HttpReceiver.start("127.0.0.2");
        canary = HttpReceiver.start("127.0.0.1");
    }

    @AfterAll
    static void stop() {
        receiver.close();
        canary.close();
    }

    @Test
    void webhookQueuesAnExecutionThatDeliversTheInputToTheReceiver() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath wf = create(ws, t, httpWorkflow(receiver.url("/in/" + ws)));
        String eid = given().contentType(ContentType.JSON).header("Authorization", "Bearer sender-secret")
                .body("{\"patient\":\"p-1\",\"n\":21}")
                .post(path(wf))
                .then().statusCode(202).contentType(ContentType.JSON)
                .extract().path("executionId");
        JsonPath ex = awaitTerminal(ws, t, eid);
        assertEquals("succeeded", ex.getString("status"));
        assertEquals(1, ex.getInt("workflowVersion"));
        assertEquals("send", ex.getString("steps[0].nodeId"));
        assertEquals(200, ex.getInt("steps[0].output.status"));
        HttpReceiver.Hit hit = receiver.hits().stream().filter(h -> h.path().equals("/in/" + ws)).findFirst()
                .orElseThrow();
        Map<?, ?> got = new ObjectMapper().readValue(hit.body(), Map.class);
        assertEquals(Map.of("patient", "p-1", "n", 21), got.get("body"));
        assertNull(((Map<?, ?>) got.get("headers")).get("authorization"), "credentials of the sender are not kept");
        assertEquals(eid + ":send", hit.header("Idempotency-Key"));
    }

    @Test
    void payloadsAreEncryptedAtRestAndTheirReadsAudited() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath wf = create(ws, t, httpWorkflow(receiver.url("/enc")));
        String marker = "MRN-" + System.nanoTime();
        String eid = trigger(wf.getString("webhookUrl"), "{\"mrn\":\"" + marker + "\"}");
        awaitTerminal(ws, t, eid);
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select encode(e.input_enc, 'hex'), coalesce(string_agg(encode(s.output_enc, 'hex'), ''), '') "
                        + "from execution e left join execution_step s on s.execution_id = e.id where e.id = '" + eid
                        + "' group by e.id")) {
            assertTrue(rs.next());
            String hexMarker = java.util.HexFormat.of().formatHex(marker.getBytes());
            assertFalse(rs.getString(1).contains(hexMarker), "input is not stored in clear");
            assertFalse(rs.getString(2).contains(hexMarker), "outputs are not stored in clear");
        }
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select count(*) from audit_outbox where payload like '%execution.payload.read%' and payload like '%"
                        + eid + "%'")) {
            rs.next();
            assertTrue(rs.getInt(1) >= 1, "reading payloads is audited");
        }
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select count(*) from audit_outbox where payload like '%" + marker + "%'")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "no payload in any audit event");
        }
    }

    @Test
    void viewersSeeStatusButNoPayload() throws Exception {
        String ws = newWorkspace();
        JsonPath wf = create(ws, token(ws, "editor"), httpWorkflow(receiver.url("/v")));
        String eid = trigger(wf.getString("webhookUrl"), "{\"a\":1}");
        awaitTerminal(ws, token(ws, "editor"), eid);
        given().auth().oauth2(token(ws, "viewer")).get("/api/v1/workspaces/" + ws + "/executions/" + eid)
                .then().statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("input", nullValue())
                .body("steps[0].output", nullValue());
    }

    @Test
    void executionsOfAnotherWorkspaceAre404() throws Exception {
        String ws = newWorkspace();
        JsonPath wf = create(ws, token(ws, "editor"), httpWorkflow(receiver.url("/o")));
        String eid = trigger(wf.getString("webhookUrl"), "{}");
        String other = newWorkspace();
        given().auth().oauth2(token(other, "admin")).get("/api/v1/workspaces/" + other + "/executions/" + eid)
                .then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(token(other, "admin")).get("/api/v1/workspaces/" + ws + "/executions/" + eid)
                .then().statusCode(404);
    }

    @Test
    void malformedJsonIsRefusedAndNothingIsQueued() throws Exception {
        String ws = newWorkspace();
        JsonPath wf = create(ws, token(ws, "editor"), httpWorkflow(receiver.url("/m")));
        given().contentType(ContentType.JSON).body("{\"a\": ").post(path(wf))
                .then().statusCode(400).contentType("application/problem+json");
        assertEquals(0, executions(wf.getString("id")));
    }

    @Test
    void oversizedBodiesAre413() throws Exception {
        String ws = newWorkspace();
        JsonPath wf = create(ws, token(ws, "editor"), httpWorkflow(receiver.url("/big")));
        String big = "{\"x\":\"" + "a".repeat(70_000) + "\"}";
        given().contentType(ContentType.JSON).body(big).post(path(wf))
                .then().statusCode(413).contentType("application/problem+json");
        assertEquals(0, executions(wf.getString("id")));
    }

    @Test
    void unknownWebhookTokensAre404() {
        given().contentType(ContentType.JSON).body("{}").post("/api/v1/webhooks/" + "A".repeat(43))
                .then().statusCode(404).contentType("application/problem+json");
        given().contentType(ContentType.JSON).body("{}").post("/api/v1/webhooks/short")
                .then().statusCode(404);
    }

    @Test
    void loopbackTargetsAreBlockedAndTheCanarySeesNothing() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        for (String url : List.of(canary.url("/direct"), "http://localhost:" + canary.port() + "/name",
                "http://[::ffff:127.0.0.1]:" + canary.port() + "/mapped", "http://2130706433:" + canary.port() + "/int",
                "http://169.254.169.254/latest/meta-data/")) {
            JsonPath wf = create(ws, t, httpWorkflow(url));
            JsonPath ex = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{}"));
            assertEquals("failed", ex.getString("status"), url);
            assertEquals("egress_blocked", ex.getString("steps[0].error.type"), url);
            assertEquals("egress_blocked", ex.getString("error.type"));
        }
        assertEquals(List.of(), canary.hits(), "nothing reached the loopback canary");
    }

    @Test
    void everyKindOfRefusalFailsTheStepWithEgressBlockedAndNeverEchoesTheUrl() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        int p = canary.port();
        for (String url : List.of("http://0x7f000001:" + p + "/hex", "http://canary.localhost:" + p + "/name",
                "http://metadata.google.internal/computeMetadata/v1/", "http://[::1]:" + p + "/v6",
                "http://127.0.0.1:" + p + "/fhir/Patient?mrn=4711&access_token=s3cr3t")) {
            JsonPath wf = create(ws, t, httpWorkflow(url));
            JsonPath ex = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{}"));
            assertEquals("egress_blocked", ex.getString("steps[0].error.type"), url);
            String message = ex.getString("steps[0].error.message");
            assertTrue(message != null && !message.contains("s3cr3t") && !message.contains("4711")
                    && !message.contains("127.0.0.1") && !message.contains("metadata.google"), message);
        }
        assertEquals(List.of(), canary.hits(), "nothing reached the loopback canary");
    }

    @Test
    void redirectsToBlockedAddressesAreBlocked() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver redirector = HttpReceiver.start("127.0.0.2")) {
            redirector.respond(h -> new HttpReceiver.Reply(302, Map.of("Location", canary.url("/via-redirect")), ""));
            JsonPath wf = create(ws, t, httpWorkflow(redirector.url("/r")));
            JsonPath ex = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{}"));
            assertEquals("egress_blocked", ex.getString("steps[0].error.type"));
            assertEquals(1, redirector.hits().size());
        }
        assertTrue(canary.hits().stream().noneMatch(h -> h.path().equals("/via-redirect")));
    }

    @Test
    void non2xxAnswersFailTheStepWithHttpError() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver failing = HttpReceiver.start("127.0.0.2")) {
            failing.respond(h -> new HttpReceiver.Reply(503, Map.of(), "down"));
            JsonPath wf = create(ws, t, httpWorkflow(failing.url("/f")));
            JsonPath ex = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{}"));
            assertEquals("failed", ex.getString("status"));
            assertEquals("http_error", ex.getString("steps[0].error.type"));
        }
    }

    @Test
    void codeNodesFailCleanlyWhenTheSandboxIsUnreachable() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath wf = create(ws, t, Map.of("name", "code", "trigger", Map.of("type", "webhook"),
                "nodes", List.of(Map.of("id", "c", "type", "code", "params", Map.of("source", "return input;")),
                        Map.of("id", "h", "type", "http", "params", Map.of("url", receiver.url("/never")))),
                "edges", List.of(Map.of("from", "c", "to", "h"))));
        JsonPath ex = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{}"));
        assertEquals("failed", ex.getString("status"));
        assertEquals("sandbox_unavailable", ex.getString("steps[0].error.type"));
        assertEquals(1, ex.getList("steps").size(), "the http node after the failed step did not run");
        receiver.await(1, Duration.ofMillis(200));
        assertTrue(receiver.hits().stream().noneMatch(h -> h.path().equals("/never")));
    }

    @Test
    void aConnectionThatFailsIsRetriedUntilTheDestinationAnswers() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.2"))) {
            port = probe.getLocalPort();
        }
        // nothing listens on the port for 1.2 s: the attempts at about 0 and 0.5 s fail with connection_error, the one
        // at about 1.5 s (back-off 0.5 s, doubling) reaches it
        JsonPath wf = create(ws, t, httpWorkflow("http://127.0.0.2:" + port + "/late"));
        String eid = trigger(wf.getString("webhookUrl"), "{\"n\": 1}");
        Thread.sleep(1200);
        com.sun.net.httpserver.HttpServer late = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.2", port), 0);
        java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
        late.createContext("/", ex -> {
            seen.incrementAndGet();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        late.start();
        try {
            JsonPath ex = awaitTerminal(ws, t, eid);
            assertEquals("succeeded", ex.getString("status"), "retried after the connection failed");
            assertEquals(1, seen.get(), "the destination got the request once it listened");
        } finally {
            late.stop(0);
        }
    }

    @Test
    void anErrorAnswerIsNotRetried() throws Exception {
        // an HTTP error answer is not transient: the step fails at once, the destination is asked once
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver failing = HttpReceiver.start("127.0.0.2")) {
            failing.respond(h -> new HttpReceiver.Reply(500, Map.of(), "{}"));
            JsonPath wf = create(ws, t, httpWorkflow(failing.url("/once")));
            JsonPath ex = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{}"));
            assertEquals("http_error", ex.getString("steps[0].error.type"));
            assertEquals(1, failing.hits().size(), "an error answer is not retried");
        }
    }

    private static String path(JsonPath wf) {
        String url = wf.getString("webhookUrl");
        return url.substring(url.indexOf("/api/v1/webhooks/"));
    }

    private static int executions(String workflowId) throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select count(*) from execution where workflow_id = '" + workflowId + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}

package io.medhook.workflow.engine;

import static io.medhook.workflow.WorkflowTestSupport.awaitTerminal;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.WorkflowTestSupport.trigger;
import static io.medhook.workflow.engine.NodeTestSupport.credential;
import static io.medhook.workflow.engine.NodeTestSupport.edge;
import static io.medhook.workflow.engine.NodeTestSupport.node;
import static io.medhook.workflow.engine.NodeTestSupport.post;
import static io.medhook.workflow.engine.NodeTestSupport.save;
import static io.medhook.workflow.engine.NodeTestSupport.workflow;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.medhook.workflow.WorkflowTestSupport;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** http nodes authorised by credentials, against real receivers on an allow-listed loopback address. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class HttpCredentialNodeTest {

    private static HttpReceiver receiver;

    @BeforeAll
    static void servers() {
        receiver = HttpReceiver.start("127.0.0.2");
    }

    @AfterAll
    static void stop() {
        receiver.close();
    }

    private static HttpReceiver.Hit hit(String path) {
        return receiver.hits().stream().filter(h -> h.path().equals(path)).findFirst().orElseThrow();
    }

    private static JsonPath runOne(String ws, String t, String url, String credentialId) throws Exception {
        JsonPath wf = create(ws, t, workflow(List.of(node("send", "http", post(url, credentialId))), List.of()));
        return awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{\"a\":1}"));
    }

    @Test
    void httpBasicSendsAnAuthorizationBasicHeader() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String password = "pw-" + UUID.randomUUID();
        String id = credential(ws, t, "http_basic", Map.of("username", "medhook", "password", password));
        String path = "/basic/" + ws;
        JsonPath ex = runOne(ws, t, receiver.url(path), id);
        assertEquals("succeeded", ex.getString("status"));
        String expected = "Basic " + Base64.getEncoder()
                .encodeToString(("medhook:" + password).getBytes(StandardCharsets.UTF_8));
        assertEquals(expected, hit(path).header("Authorization"));
        assertNull(ex.get("steps[0].output.headers"), "request headers are not echoed");
        assertFalse(ex.prettify().contains(password));
        assertEquals(0, WorkflowTestSupport.count(
                "select count(*) from audit_outbox where payload like '%" + password + "%'"), "no secret in audit");
    }

    @Test
    void bearerSendsTheTokenAndReplacesADeclaredAuthorizationHeader() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String secret = "tok-" + UUID.randomUUID();
        String id = credential(ws, t, "bearer", Map.of("token", secret));
        String path = "/bearer/" + ws;
        Map<String, Object> params = new HashMap<>(post(receiver.url(path), id));
        params.put("headers", Map.of("authorization", "Bearer declared", "X-Other", "kept"));
        JsonPath wf = create(ws, t, workflow(List.of(node("send", "http", params)), List.of()));
        JsonPath ex = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{}"));
        assertEquals("succeeded", ex.getString("status"));
        assertEquals("Bearer " + secret, hit(path).header("Authorization"));
        assertEquals(1, hit(path).headers().entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase("authorization")).mapToInt(e -> e.getValue().size()).sum());
        assertEquals("kept", hit(path).header("X-Other"));
    }

    @Test
    void apiKeyHeaderSendsTheConfiguredHeader() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String value = "key-" + UUID.randomUUID();
        String id = credential(ws, t, "api_key_header", Map.of("header", "X-Api-Key", "value", value));
        String path = "/key/" + ws;
        assertEquals("succeeded", runOne(ws, t, receiver.url(path), id).getString("status"));
        assertEquals(value, hit(path).header("X-Api-Key"));
        assertNull(hit(path).header("Authorization"));
    }

    @Test
    void credentialHeadersAreNotSentOnToAnotherOriginAfterARedirect() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String value = "key-" + UUID.randomUUID();
        String id = credential(ws, t, "api_key_header", Map.of("header", "X-Api-Key", "value", value));
        try (HttpReceiver elsewhere = HttpReceiver.start("127.0.0.2");
                HttpReceiver first = HttpReceiver.start("127.0.0.2")) {
            // another port is another origin
            first.respond(h -> new HttpReceiver.Reply(307, Map.of("Location", elsewhere.url("/landed")), ""));
            JsonPath ex = runOne(ws, t, first.url("/moved"), id);
            assertEquals("succeeded", ex.getString("status"));
            assertEquals(value, first.hits().get(0).header("X-Api-Key"), "the first origin gets the key");
            assertEquals(1, elsewhere.hits().size());
            assertNull(elsewhere.hits().get(0).header("X-Api-Key"), "the other origin does not");
        }
    }

    @Test
    void failedStepsDoNotEchoCredentialValues() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String secret = "tok-" + UUID.randomUUID();
        String id = credential(ws, t, "bearer", Map.of("token", secret));
        try (HttpReceiver failing = HttpReceiver.start("127.0.0.2")) {
            failing.respond(h -> new HttpReceiver.Reply(500, Map.of(), "nope"));
            JsonPath ex = runOne(ws, t, failing.url("/fail"), id);
            assertEquals("failed", ex.getString("status"));
            assertEquals("http_error", ex.getString("steps[0].error.type"));
            assertFalse(ex.prettify().contains(secret));
        }
    }

    @Test
    void oauth2FetchesOneTokenForSeveralStepsWithClientSecretBasic() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String clientSecret = "cs-" + UUID.randomUUID();
        AtomicInteger issued = new AtomicInteger();
        try (HttpReceiver tokens = HttpReceiver.start("127.0.0.2")) {
            tokens.respond(h -> new HttpReceiver.Reply(200, Map.of("Content-Type", "application/json"),
                    "{\"access_token\":\"at-" + issued.incrementAndGet() + "\",\"token_type\":\"Bearer\","
                            + "\"expires_in\":3600}"));
            String id = credential(ws, t, "oauth2_client_credentials", Map.of("tokenUrl", tokens.url("/token"),
                    "clientId", "medhook-client", "clientSecret", clientSecret, "scope", "system/*.read"));
            String path = "/fhir/" + ws;
            JsonPath wf = create(ws, t, workflow(List.of(node("a", "http", post(receiver.url(path), id)),
                    node("b", "http", post(receiver.url(path), id)), node("c", "http", post(receiver.url(path), id))),
                    List.of(edge("a", "b"), edge("b", "c"))));
            assertEquals("succeeded", awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{}"))
                    .getString("status"));
            assertEquals("succeeded", awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{}"))
                    .getString("status"));
            assertEquals(1, tokens.hits().size(), "one token for six steps");
            HttpReceiver.Hit tokenHit = tokens.hits().get(0);
            assertEquals("POST", tokenHit.method());
            assertEquals("Basic " + Base64.getEncoder().encodeToString(("medhook-client:" + clientSecret)
                    .getBytes(StandardCharsets.UTF_8)), tokenHit.header("Authorization"));
            assertTrue(tokenHit.header("Content-Type").startsWith("application/x-www-form-urlencoded"));
            assertTrue(tokenHit.body().contains("grant_type=client_credentials"));
            assertTrue(tokenHit.body().contains("scope=system%2F*.read"));
            List<HttpReceiver.Hit> calls = receiver.hits().stream().filter(h -> h.path().equals(path)).toList();
            assertEquals(6, calls.size());
            calls.forEach(h -> assertEquals("Bearer at-1", h.header("Authorization")));
            assertEquals(0, WorkflowTestSupport.count(
                    "select count(*) from audit_outbox where payload like '%at-1\"%' or payload like '%"
                            + clientSecret + "%'"));
        }
    }

    @Test
    void oauth2RetriesOnceWithAFreshTokenAfterA401() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        AtomicInteger issued = new AtomicInteger();
        try (HttpReceiver tokens = HttpReceiver.start("127.0.0.2"); HttpReceiver api = HttpReceiver.start("127.0.0.2")) {
            tokens.respond(h -> new HttpReceiver.Reply(200, Map.of("Content-Type", "application/json"),
                    "{\"access_token\":\"rt-" + issued.incrementAndGet() + "\",\"expires_in\":3600}"));
            api.respond(h -> "Bearer rt-1".equals(h.header("Authorization"))
                    ? new HttpReceiver.Reply(401, Map.of(), "revoked") : HttpReceiver.Reply.ok());
            String id = credential(ws, t, "oauth2_client_credentials", Map.of("tokenUrl", tokens.url("/token"),
                    "clientId", "c", "clientSecret", "s-" + UUID.randomUUID()));
            JsonPath ex = runOne(ws, t, api.url("/r"), id);
            assertEquals("succeeded", ex.getString("status"));
            assertEquals(2, tokens.hits().size());
            assertEquals(List.of("Bearer rt-1", "Bearer rt-2"),
                    api.hits().stream().map(h -> h.header("Authorization")).toList());
            String key = api.hits().get(0).header("Idempotency-Key");
            assertEquals(key, api.hits().get(1).header("Idempotency-Key"), "the retry is the same step");
        }
    }

    @Test
    void aTokenEndpointThatRefusesFailsTheStepWithAuthError() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver tokens = HttpReceiver.start("127.0.0.2")) {
            tokens.respond(h -> new HttpReceiver.Reply(400, Map.of("Content-Type", "application/json"),
                    "{\"error\":\"invalid_client\"}"));
            String id = credential(ws, t, "oauth2_client_credentials", Map.of("tokenUrl", tokens.url("/token"),
                    "clientId", "c", "clientSecret", "s-" + UUID.randomUUID()));
            JsonPath ex = runOne(ws, t, receiver.url("/never"), id);
            assertEquals("failed", ex.getString("status"));
            assertEquals("auth_error", ex.getString("steps[0].error.type"));
            assertTrue(receiver.hits().stream().noneMatch(h -> h.path().equals("/never")));
        }
    }

    @Test
    void aCredentialOfAnotherWorkspaceIs422NamingNodeAndField() {
        String ws = newWorkspace();
        String other = newWorkspace();
        String foreign = credential(other, token(other, "editor"), "bearer", Map.of("token", "x"));
        List<Map<String, String>> errors = save(ws, token(ws, "editor"),
                workflow(List.of(node("send", "http", post(receiver.url("/x"), foreign))), List.of()))
                .then().statusCode(422).contentType("application/problem+json")
                .extract().jsonPath().getList("errors");
        assertEquals("send", errors.get(0).get("node"));
        assertEquals("params.credentialId", errors.get(0).get("field"));
    }

    @Test
    void unknownUnusableAndMalformedCredentialIdsAre422() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String webhookSecret = credential(ws, t, "webhook_secret", Map.of("secret", "s"));
        for (String id : List.of(UUID.randomUUID().toString(), webhookSecret, "not-a-uuid")) {
            List<Map<String, String>> errors = save(ws, t,
                    workflow(List.of(node("call", "http", post(receiver.url("/x"), id))), List.of()))
                    .then().statusCode(422).extract().jsonPath().getList("errors");
            assertEquals("call", errors.get(0).get("node"), id);
            assertEquals("params.credentialId", errors.get(0).get("field"), id);
        }
    }

    @Test
    void updatingAWorkflowChecksCredentialsToo() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath wf = create(ws, t, workflow(List.of(node("send", "http", post(receiver.url("/u")))), List.of()));
        given().auth().oauth2(t).contentType("application/json")
                .body(workflow(List.of(node("send", "http", post(receiver.url("/u"), UUID.randomUUID().toString()))),
                        List.of()))
                .put("/api/v1/workspaces/" + ws + "/workflows/" + wf.getString("id"))
                .then().statusCode(422);
    }

    @Test
    void aDeletedCredentialFailsTheStepWithCredentialError() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String id = credential(ws, t, "bearer", Map.of("token", "t-" + UUID.randomUUID()));
        JsonPath wf = create(ws, t, workflow(List.of(node("send", "http", post(receiver.url("/gone"), id))),
                List.of()));
        given().auth().oauth2(t).delete("/api/v1/workspaces/" + ws + "/credentials/" + id).then().statusCode(204);
        JsonPath ex = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{}"));
        assertEquals("failed", ex.getString("status"));
        assertEquals("credential_error", ex.getString("steps[0].error.type"));
    }
}

package io.medhook.workflow.trigger;

import static io.medhook.workflow.WorkflowTestSupport.auditEvents;
import static io.medhook.workflow.WorkflowTestSupport.count;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** Inbound webhook signatures: Standard Webhooks and plain HMAC-SHA256 over the raw body. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class WebhookSignatureTest {

    /** Bytes that re-serialised JSON would change (spacing, key order, escapes): the MAC is over these exactly. */
    private static final String BODY = "{ \"patient\" : \"p-1\",\n  \"b\":1, \"a\":\"\\u00e9\" }";

    @Test
    void acceptsValidStandardWebhooksSignatures() throws Exception {
        Fixture f = standardWebhooks(null);
        String id = "msg_" + UUID.randomUUID();
        long ts = now();
        // any matching entry of the space-separated list passes; unknown versions are ignored
        String header = "v1a,AAAA v1," + b64(hmac(f.key, id + "." + ts + "." + BODY)) + " v1,"
                + b64(new byte[32]);
        String eid = send(f, Map.of("webhook-id", id, "webhook-timestamp", "" + ts, "webhook-signature", header))
                .then().statusCode(202).extract().path("executionId");
        assertEquals(1, executions(f.workflowId));
        assertEquals(1, count("select count(*) from execution where id = '" + eid + "'"));
    }

    @Test
    void refusesMissingHeadersBadFormatsAndMismatches() throws Exception {
        Fixture f = standardWebhooks(null);
        String id = "msg_1";
        long ts = now();
        String good = "v1," + b64(hmac(f.key, id + "." + ts + "." + BODY));
        rejected(send(f, Map.of("webhook-id", id, "webhook-timestamp", "" + ts)), "missing header");
        rejected(send(f, Map.of("webhook-id", id, "webhook-timestamp", "soon", "webhook-signature", good)),
                "webhook-timestamp is not a number");
        rejected(send(f, Map.of("webhook-id", id, "webhook-timestamp", "" + ts, "webhook-signature", "abc")),
                "no v1 signature");
        rejected(send(f, Map.of("webhook-id", id, "webhook-timestamp", "" + ts, "webhook-signature",
                "v1," + b64(hmac(f.key, id + "." + ts + ".{}")))), "does not match");
        // the signature of another message id does not carry over
        rejected(send(f, Map.of("webhook-id", "msg_2", "webhook-timestamp", "" + ts, "webhook-signature", good)),
                "does not match");
        // a key that is not this credential's
        byte[] otherKey = new byte[24];
        new SecureRandom().nextBytes(otherKey);
        rejected(send(f, Map.of("webhook-id", id, "webhook-timestamp", "" + ts, "webhook-signature",
                "v1," + b64(hmac(otherKey, id + "." + ts + "." + BODY)))), "does not match");
        assertEquals(0, executions(f.workflowId));
        List<JsonNode> events = auditEvents("webhook.signature.rejected", "workflow", f.workflowId);
        assertEquals(6, events.size());
        for (JsonNode e : events) {
            assertEquals("denied", e.get("outcome").asText());
            assertEquals("standard-webhooks", e.get("change").get("scheme").asText());
            assertFalse(e.toString().contains(good.substring(3)), "no signature in the audit event");
            assertFalse(e.toString().contains("p-1"), "no payload in the audit event");
            assertFalse(e.toString().contains(f.secret.substring(6)), "no secret in the audit event");
        }
    }

    @Test
    void refusesReplayedOldAndFutureTimestamps() throws Exception {
        Fixture f = standardWebhooks(60);
        String id = "msg_replay";
        for (long ts : new long[] {now() - 3600, now() - 120, now() + 120}) {
            String sig = "v1," + b64(hmac(f.key, id + "." + ts + "." + BODY));
            rejected(send(f, Map.of("webhook-id", id, "webhook-timestamp", "" + ts, "webhook-signature", sig)),
                    "outside the tolerance of 60 seconds");
        }
        long ts = now() - 30;
        send(f, Map.of("webhook-id", id, "webhook-timestamp", "" + ts, "webhook-signature",
                "v1," + b64(hmac(f.key, id + "." + ts + "." + BODY)))).then().statusCode(202);
        assertEquals(1, executions(f.workflowId));
    }

    @Test
    void refusesATamperedBody() throws Exception {
        Fixture f = standardWebhooks(null);
        String id = "msg_t";
        long ts = now();
        String sig = "v1," + b64(hmac(f.key, id + "." + ts + "." + BODY));
        Response r = given().contentType(ContentType.JSON).header("webhook-id", id)
                .header("webhook-timestamp", "" + ts).header("webhook-signature", sig)
                .body(BODY.replace("p-1", "p-2").getBytes(StandardCharsets.UTF_8)).post(f.path);
        rejected(r, "does not match");
        assertEquals(0, executions(f.workflowId));
    }

    @Test
    void acceptsPlainHmacInHexOrSha256PrefixedAndRefusesTheRest() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String secret = "s3cret-" + UUID.randomUUID();
        String cred = credential(ws, t, secret);
        Map<String, Object> sig = new LinkedHashMap<>();
        sig.put("scheme", "hmac-sha256");
        sig.put("credentialId", cred);
        sig.put("header", "X-Sig");
        JsonPath wf = createWorkflow(ws, t, sig).then().statusCode(201).extract().jsonPath();
        Fixture f = new Fixture(wf.getString("id"), path(wf), null, secret);
        byte[] mac = hmac(secret.getBytes(StandardCharsets.UTF_8), BODY);
        String hex = HexFormat.of().formatHex(mac);
        String eid = send(f, Map.of("X-Sig", "sha256=" + hex, "X-Other", "kept")).then().statusCode(202)
                .extract().path("executionId");
        send(f, Map.of("x-sig", hex.toUpperCase())).then().statusCode(202);
        rejected(send(f, Map.of()), "missing header: X-Sig");
        rejected(send(f, Map.of("X-Sig", "sha1=" + hex.substring(0, 40))), "is not a hex");
        String wrong = (hex.charAt(0) == 'a' ? "b" : "a") + hex.substring(1);
        rejected(send(f, Map.of("X-Sig", "sha256=" + wrong)), "does not match");
        assertEquals(2, executions(f.workflowId));
        // the signature header is not kept with the payload
        given().auth().oauth2(t).get("/api/v1/workspaces/" + ws + "/executions/" + eid).then().statusCode(200)
                .body("input.headers.x-other", equalTo("kept"))
                .body("input.headers", not(org.hamcrest.Matchers.hasKey("x-sig")));
    }

    @Test
    void saveRefusesACredentialOfAnotherWorkspaceOrAnotherTypeOrAMalformedCheck() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String other = newWorkspace();
        String foreign = credential(other, token(other, "editor"), "whsec_" + b64(new byte[32]));
        invalid(createWorkflow(ws, t, Map.of("scheme", "standard-webhooks", "credentialId", foreign)),
                "trigger.signature.credentialId", "no credential of this workspace");
        String bearer = given().auth().oauth2(t).contentType(ContentType.JSON)
                .body(Map.of("name", "b-" + UUID.randomUUID(), "type", "bearer", "fields", Map.of("token", "tk")))
                .post("/api/v1/workspaces/" + ws + "/credentials").then().statusCode(201).extract().path("id");
        invalid(createWorkflow(ws, t, Map.of("scheme", "standard-webhooks", "credentialId", bearer)),
                "trigger.signature.credentialId", "must be a webhook_secret credential");
        invalid(createWorkflow(ws, t, Map.of("scheme", "rsa", "credentialId", bearer)),
                "trigger.signature.scheme", "must be standard-webhooks or hmac-sha256");
        invalid(createWorkflow(ws, t, Map.of("scheme", "standard-webhooks", "credentialId", "nope")),
                "trigger.signature.credentialId", "is not a credential id");
        invalid(createWorkflow(ws, t, Map.of("scheme", "standard-webhooks", "credentialId", bearer,
                "toleranceSeconds", 0)), "trigger.signature.toleranceSeconds", "between 1 and 3600");
        // an update is checked the same way
        String own = credential(ws, t, "whsec_" + b64(new byte[32]));
        JsonPath wf = createWorkflow(ws, t, Map.of("scheme", "standard-webhooks", "credentialId", own))
                .then().statusCode(201).extract().jsonPath();
        given().auth().oauth2(t).contentType(ContentType.JSON)
                .body(definition(Map.of("scheme", "standard-webhooks", "credentialId", foreign)))
                .put("/api/v1/workspaces/" + ws + "/workflows/" + wf.getString("id"))
                .then().statusCode(422).body("errors[0].field", equalTo("trigger.signature.credentialId"));
    }

    @Test
    void aDeletedSigningCredentialRefusesEveryCall() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String cred = credential(ws, t, b64(key)); // the whsec_ prefix is optional
        JsonPath wf = createWorkflow(ws, t, Map.of("scheme", "standard-webhooks", "credentialId", cred))
                .then().statusCode(201).extract().jsonPath();
        Fixture f = new Fixture(wf.getString("id"), path(wf), key, b64(key));
        String id = "msg_d";
        long ts = now();
        Map<String, String> headers = Map.of("webhook-id", id, "webhook-timestamp", "" + ts, "webhook-signature",
                "v1," + b64(hmac(key, id + "." + ts + "." + BODY)));
        send(f, headers).then().statusCode(202);
        given().auth().oauth2(t).delete("/api/v1/workspaces/" + ws + "/credentials/" + cred).then().statusCode(204);
        rejected(send(f, headers), "the signature cannot be verified");
        assertEquals(1, executions(f.workflowId));
    }

    @Test
    void aWorkflowWithoutASignatureCheckStillAcceptsUnsignedCalls() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath wf = given().auth().oauth2(t).contentType(ContentType.JSON).body(definition(null))
                .post("/api/v1/workspaces/" + ws + "/workflows").then().statusCode(201).extract().jsonPath();
        given().contentType(ContentType.JSON).body(BODY).post(path(wf)).then().statusCode(202);
    }

    // --- helpers

    private record Fixture(String workflowId, String path, byte[] key, String secret) {
    }

    private static Fixture standardWebhooks(Integer tolerance) {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String secret = "whsec_" + b64(key);
        String cred = credential(ws, t, secret);
        Map<String, Object> sig = new LinkedHashMap<>();
        sig.put("scheme", "standard-webhooks");
        sig.put("credentialId", cred);
        if (tolerance != null) {
            sig.put("toleranceSeconds", tolerance);
        }
        JsonPath wf = createWorkflow(ws, t, sig).then().statusCode(201)
                .body("trigger.signature.scheme", equalTo("standard-webhooks")).extract().jsonPath();
        return new Fixture(wf.getString("id"), path(wf), key, secret);
    }

    private static String credential(String ws, String t, String secret) {
        return given().auth().oauth2(t).contentType(ContentType.JSON)
                .body(Map.of("name", "whs-" + UUID.randomUUID(), "type", "webhook_secret",
                        "fields", Map.of("secret", secret)))
                .post("/api/v1/workspaces/" + ws + "/credentials").then().statusCode(201).extract().path("id");
    }

    private static Map<String, Object> definition(Map<String, Object> signature) {
        Map<String, Object> trigger = new LinkedHashMap<>();
        trigger.put("type", "webhook");
        if (signature != null) {
            trigger.put("signature", signature);
        }
        return Map.of("name", "wf-" + UUID.randomUUID(), "trigger", trigger,
                "nodes", List.of(Map.of("id", "c", "type", "code", "params", Map.of("source", "return input;"))),
                "edges", List.of());
    }

    private static Response createWorkflow(String ws, String t, Map<String, Object> signature) {
        return given().auth().oauth2(t).contentType(ContentType.JSON).body(definition(signature))
                .post("/api/v1/workspaces/" + ws + "/workflows");
    }

    private static void invalid(Response r, String field, String message) {
        r.then().statusCode(422).contentType("application/problem+json")
                .body("errors[0].field", equalTo(field)).body("errors[0].message", containsString(message));
    }

    private static Response send(Fixture f, Map<String, String> headers) {
        RequestSpecification req = given().contentType(ContentType.JSON).headers(headers)
                .body(BODY.getBytes(StandardCharsets.UTF_8));
        return req.post(f.path);
    }

    private static void rejected(Response r, String reason) {
        r.then().statusCode(401).contentType("application/problem+json")
                .body("detail", containsString(reason))
                .body(not(org.hamcrest.Matchers.matchesRegex("(?s).*[A-Za-z0-9+/]{40,}.*")))
                .body(not(containsString("whsec_")));
    }

    private static String path(JsonPath wf) {
        String url = wf.getString("webhookUrl");
        return url.substring(url.indexOf("/api/v1/webhooks/"));
    }

    private static int executions(String workflowId) throws Exception {
        return count("select count(*) from execution where workflow_id = '" + workflowId + "'");
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    private static byte[] hmac(byte[] key, String content) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(content.getBytes(StandardCharsets.UTF_8));
    }
}

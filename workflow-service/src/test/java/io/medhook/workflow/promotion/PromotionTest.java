package io.medhook.workflow.promotion;

import static io.medhook.workflow.WorkflowTestSupport.auditEvents;
import static io.medhook.workflow.WorkflowTestSupport.awaitTerminal;
import static io.medhook.workflow.WorkflowTestSupport.count;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.trigger;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuer;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Promotion of a sandbox workflow version into a production workspace. auth-service's workspace list (kind and current
 * role) is played by TestIssuer's double of {@code GET /api/v1/workspaces}.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class PromotionTest {

    /** A sandbox and a production workspace, and a user who edits the first and administers the second. */
    record Setup(String sandbox, String production, String user, String token) {
        static Setup of(String productionRole) {
            String sbx = newWorkspace();
            String prod = newWorkspace();
            TestIssuer.current().workspaceKind(sbx, "sandbox");
            TestIssuer.current().workspaceKind(prod, "production");
            String user = "user-" + UUID.randomUUID();
            return new Setup(sbx, prod, user, TestIssuer.current().user(user, Map.of(sbx, "editor", prod,
                    productionRole)));
        }
    }

    private static String credential(String ws, String t, String type, Map<String, String> fields) {
        return given().auth().oauth2(t).contentType(ContentType.JSON)
                .body(Map.of("name", type + "-" + UUID.randomUUID(), "type", type, "fields", fields))
                .post("/api/v1/workspaces/" + ws + "/credentials").then().statusCode(201).extract().path("id");
    }

    private static Map<String, Object> node(String id, String type, Map<String, ?> params) {
        return Map.of("id", id, "type", type, "params", params);
    }

    private static Map<String, Object> workflow(String name, List<?> nodes) {
        return Map.of("name", name, "trigger", Map.of("type", "webhook"), "nodes", nodes, "edges", List.of());
    }

    private static Response promote(Setup s, String token, String workflowId, int version, Map<String, ?> body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body)
                .post("/api/v1/workspaces/" + s.sandbox() + "/workflows/" + workflowId + "/versions/" + version
                        + "/promote");
    }

    private static Map<String, Object> body(String target, Map<String, String> credentials) {
        Map<String, Object> b = new HashMap<>();
        b.put("targetWorkspaceId", target);
        b.put("credentials", credentials);
        return b;
    }

    @Test
    void copiesTheVersionWithEveryCredentialMappedToProductionAndAuditsIt() throws Exception {
        Setup s = Setup.of("admin");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            String sbxToken = credential(s.sandbox(), s.token(), "bearer", Map.of("token", "sandbox-token"));
            String sbxKey = credential(s.sandbox(), s.token(), "api_key_header", Map.of("header", "X-Api-Key",
                    "value", "sandbox-key"));
            String prodToken = credential(s.production(), s.token(), "bearer", Map.of("token", "production-token"));
            String prodKey = credential(s.production(), s.token(), "api_key_header", Map.of("header", "X-Api-Key",
                    "value", "production-key"));
            JsonPath wf = create(s.sandbox(), s.token(), workflow("ehr-sync", List.of(
                    node("send", "http", Map.of("method", "POST", "url", r.url("/v1"), "credentialId", sbxToken)),
                    node("fan", "parallel", Map.of("branches", List.of(Map.of("id", "b", "type", "http",
                            "params", Map.of("method", "POST", "url", r.url("/branch"), "credentialId", sbxKey))))))));
            given().auth().oauth2(s.token()).contentType(ContentType.JSON).body(workflow("ehr-sync", List.of(
                    node("send", "http", Map.of("method", "POST", "url", r.url("/v2"))))))
                    .put("/api/v1/workspaces/" + s.sandbox() + "/workflows/" + wf.getString("id"))
                    .then().statusCode(200);

            JsonPath promoted = promote(s, s.token(), wf.getString("id"), 1,
                    body(s.production(), Map.of(sbxToken, prodToken, sbxKey, prodKey)))
                    .then().statusCode(201).extract().jsonPath();
            assertEquals(s.production(), promoted.getString("workspaceId"));
            assertEquals(1, promoted.getInt("version"));
            assertEquals(prodToken, promoted.getString("nodes.find { it.id == 'send' }.params.credentialId"));
            assertEquals(r.url("/v1"), promoted.getString("nodes.find { it.id == 'send' }.params.url"),
                    "version 1 was copied, not the current version 2");
            assertEquals(prodKey, promoted.getString("nodes.find { it.id == 'fan' }.params.branches[0].params"
                    + ".credentialId"));
            String stored = given().auth().oauth2(s.token()).get("/api/v1/workspaces/" + s.production()
                    + "/workflows/" + promoted.getString("id")).then().statusCode(200).extract().asString();
            assertTrue(!stored.contains(sbxToken) && !stored.contains(sbxKey), "no sandbox credential id remains");

            String eid = trigger(promoted.getString("webhookUrl"), "{}");
            assertEquals("succeeded", awaitTerminal(s.production(), s.token(), eid).getString("status"));
            HttpReceiver.Hit send = r.hits().stream().filter(h -> h.path().equals("/v1")).findFirst().orElseThrow();
            assertEquals("Bearer production-token", send.header("Authorization"));
            HttpReceiver.Hit branch = r.hits().stream().filter(h -> h.path().equals("/branch")).findFirst()
                    .orElseThrow();
            assertEquals("production-key", branch.header("X-Api-Key"));

            List<JsonNode> events = auditEvents("workflow.promote", "workflow", promoted.getString("id"));
            assertEquals(1, events.size());
            String event = events.get(0).toString();
            assertTrue(event.contains(s.sandbox()) && event.contains(wf.getString("id")) && event.contains(sbxToken)
                    && event.contains(prodToken), event);
            assertTrue(!event.contains("production-token") && !event.contains("sandbox-token"), "no secret values");
            assertEquals(1, auditEvents("workflow.create", "workflow", promoted.getString("id")).size());
        }
    }

    @Test
    void everyReferenceMustBeMappedToAUsableCredentialOfProduction() throws Exception {
        Setup s = Setup.of("admin");
        String sbxToken = credential(s.sandbox(), s.token(), "bearer", Map.of("token", "sandbox-token"));
        String sbxSecret = credential(s.sandbox(), s.token(), "webhook_secret", Map.of("secret", "sbx-secret-1"));
        String prodSecret = credential(s.production(), s.token(), "webhook_secret", Map.of("secret", "prd-secret-1"));
        String prodToken = credential(s.production(), s.token(), "bearer", Map.of("token", "production-token"));
        Map<String, Object> def = new HashMap<>(workflow("signed", List.of(node("send", "http",
                Map.of("method", "POST", "url", "https://ehr.example/a", "credentialId", sbxToken)))));
        def.put("trigger", Map.of("type", "webhook", "signature", Map.of("scheme", "hmac-sha256",
                "credentialId", sbxSecret)));
        String wf = create(s.sandbox(), s.token(), def).getString("id");

        JsonPath unmapped = promote(s, s.token(), wf, 1, body(s.production(), Map.of(sbxSecret, prodSecret)))
                .then().statusCode(422).contentType("application/problem+json").extract().jsonPath();
        assertEquals("send", unmapped.getString("errors[0].node"));
        assertEquals("params.credentialId", unmapped.getString("errors[0].field"));

        // mapped to the sandbox credential itself: it does not exist in production
        promote(s, s.token(), wf, 1, body(s.production(), Map.of(sbxSecret, prodSecret, sbxToken, sbxToken)))
                .then().statusCode(422).body("errors[0].node", equalTo("send"))
                .body("errors[0].message", equalTo("no credential with this id exists in this workspace"));
        // mapped to a production credential the http node cannot use
        promote(s, s.token(), wf, 1, body(s.production(), Map.of(sbxSecret, prodSecret, sbxToken, prodSecret)))
                .then().statusCode(422).body("errors[0].node", equalTo("send"))
                .body("errors[0].message", equalTo("a credential of type webhook_secret cannot be used by an http"
                        + " node (usable: api_key_header, bearer, http_basic, oauth2_client_credentials)"));
        // the signature's credential mapped to a bearer credential
        promote(s, s.token(), wf, 1, body(s.production(), Map.of(sbxSecret, prodToken, sbxToken, prodToken)))
                .then().statusCode(422).body("errors[0].field", equalTo("trigger.signature.credentialId"));
        // a mapping for something the version does not reference
        String stray = UUID.randomUUID().toString();
        promote(s, s.token(), wf, 1, body(s.production(), Map.of(sbxSecret, prodSecret, sbxToken, prodToken,
                stray, prodToken))).then().statusCode(422).body("errors[0].field", equalTo("credentials." + stray));
        // a secret typed into a header of the sandbox version is not carried to production
        String inline = create(s.sandbox(), s.token(), workflow("inline", List.of(node("send", "http",
                Map.of("method", "POST", "url", "https://ehr.example/a", "headers",
                        Map.of("Authorization", "Bearer typed-in", "X-Trace", "1")))))).getString("id");
        promote(s, s.token(), inline, 1, body(s.production(), Map.of())).then().statusCode(422)
                .body("errors[0].node", equalTo("send"))
                .body("errors[0].field", equalTo("params.headers.Authorization"))
                .body("errors.size()", equalTo(1));
        assertEquals(0, count("select count(*) from workflow where workspace_id = '" + s.production() + "'"),
                "nothing was created by a refused promotion");

        promote(s, s.token(), wf, 1, body(s.production(), Map.of(sbxSecret, prodSecret, sbxToken, prodToken)))
                .then().statusCode(201).body("trigger.signature.credentialId", equalTo(prodSecret));
    }

    @Test
    void onlyAnAdminOfAProductionWorkspaceMayPromoteFromASandbox() throws Exception {
        Setup s = Setup.of("admin");
        String wf = create(s.sandbox(), s.token(), workflow("plain", List.of(node("send", "http",
                Map.of("method", "POST", "url", "https://ehr.example/a"))))).getString("id");
        Map<String, Object> ok = body(s.production(), Map.of());

        Setup editor = Setup.of("editor");
        String wf2 = create(editor.sandbox(), editor.token(), workflow("plain", List.of(node("send", "http",
                Map.of("method", "POST", "url", "https://ehr.example/a"))))).getString("id");
        promote(editor, editor.token(), wf2, 1, body(editor.production(), Map.of())).then().statusCode(403);

        // the token still says admin, auth-service's database no longer does (a demoted admin)
        TestIssuer.current().databaseRole(s.production(), s.user(), "editor");
        promote(s, s.token(), wf, 1, ok).then().statusCode(403).contentType("application/problem+json");
        TestIssuer.current().databaseRole(s.production(), s.user(), "admin");

        // production to production, sandbox to sandbox
        TestIssuer.current().workspaceKind(s.production(), "sandbox");
        promote(s, s.token(), wf, 1, ok).then().statusCode(409);
        TestIssuer.current().workspaceKind(s.production(), "production");
        TestIssuer.current().workspaceKind(s.sandbox(), "production");
        promote(s, s.token(), wf, 1, ok).then().statusCode(409);
        TestIssuer.current().workspaceKind(s.sandbox(), "sandbox");

        String stranger = newWorkspace();
        promote(s, s.token(), wf, 1, body(stranger, Map.of())).then().statusCode(404);
        promote(s, s.token(), wf, 7, ok).then().statusCode(404);
        promote(s, s.token(), wf, 1, Map.of("credentials", Map.of())).then().statusCode(400);
        promote(s, s.token(), wf, 1, Map.of("targetWorkspaceId", s.production(), "surprise", 1))
                .then().statusCode(400);
        given().contentType(ContentType.JSON).body(ok).post("/api/v1/workspaces/" + s.sandbox() + "/workflows/"
                + wf + "/versions/1/promote").then().statusCode(401);
        assertEquals(0, count("select count(*) from workflow where workspace_id = '" + s.production() + "'"));

        promote(s, s.token(), wf, 1, ok).then().statusCode(201);
    }

    @Test
    void promotesIntoAnExistingProductionWorkflowAsItsNextVersionWithCalledWorkflowsMapped() throws Exception {
        Setup s = Setup.of("admin");
        String sbxCallee = create(s.sandbox(), s.token(), workflow("callee", List.of(node("send", "http",
                Map.of("method", "POST", "url", "https://ehr.example/a"))))).getString("id");
        String sbxCaller = create(s.sandbox(), s.token(), workflow("caller", List.of(node("call", "subworkflow",
                Map.of("workflowId", sbxCallee, "version", 1))))).getString("id");
        String prodCallee = create(s.production(), s.token(), workflow("callee", List.of(node("send", "http",
                Map.of("method", "POST", "url", "https://ehr.example/b"))))).getString("id");
        String prodCaller = create(s.production(), s.token(), workflow("caller", List.of(node("send", "http",
                Map.of("method", "POST", "url", "https://ehr.example/old"))))).getString("id");

        promote(s, s.token(), sbxCaller, 1, body(s.production(), Map.of())).then().statusCode(422)
                .body("errors[0].node", equalTo("call")).body("errors[0].field", equalTo("params.workflowId"));
        Map<String, Object> b = body(s.production(), Map.of());
        b.put("workflows", Map.of(sbxCallee, prodCallee));
        b.put("targetWorkflowId", prodCaller);
        JsonPath next = promote(s, s.token(), sbxCaller, 1, b).then().statusCode(201).extract().jsonPath();
        assertEquals(prodCaller, next.getString("id"));
        assertEquals(2, next.getInt("version"));
        assertEquals(prodCallee, next.getString("nodes[0].params.workflowId"));
        org.junit.jupiter.api.Assertions.assertNull(next.get("nodes[0].params.version"),
                "a sandbox version pin means nothing in production");
        assertEquals(1, auditEvents("workflow.promote", "workflow", prodCaller).size());
    }
}

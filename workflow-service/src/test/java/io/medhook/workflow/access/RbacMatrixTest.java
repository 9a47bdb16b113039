package io.medhook.workflow.access;

import static io.medhook.testing.RbacMatrix.Caller.ADMIN;
import static io.medhook.testing.RbacMatrix.Caller.EDITOR;
import static io.medhook.testing.RbacMatrix.Caller.OWNER;
import static io.medhook.testing.RbacMatrix.Caller.SERVICE;
import static io.medhook.testing.RbacMatrix.Caller.VIEWER;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.RbacMatrix;
import io.medhook.testing.RbacMatrix.Caller;
import io.medhook.testing.TestIssuer;
import io.medhook.testing.TestIssuerResource;
import io.medhook.workflow.WorkflowTestSupport;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.Test;

/** Every protected endpoint of workflow-service × every kind of caller (see {@link RbacMatrix}). */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class RbacMatrixTest {

    private static final String WF = "/api/v1/workspaces/{workspaceId}/workflows";
    private static final String EX = "/api/v1/workspaces/{workspaceId}/executions";
    private static final Set<Caller> EDITORS = EnumSet.of(OWNER, ADMIN, EDITOR);
    private static final Set<Caller> VIEWERS = EnumSet.of(OWNER, ADMIN, EDITOR, VIEWER);
    private static final String CRED = "/api/v1/workspaces/{workspaceId}/credentials";

    @TestHTTPResource("/")
    URL base;

    private static String workflowBody() {
        return """
                {"name": "matrix-%s", "trigger": {"type": "webhook"},
                 "nodes": [{"id": "send", "type": "http", "params": {"method": "POST", "url": "http://127.0.0.2:9/in"}}],
                 "edges": []}""".formatted(UUID.randomUUID());
    }

    private static String credentialBody() {
        return """
                {"name": "matrix-%s", "type": "bearer", "fields": {"token": "t-%s"}}""".formatted(UUID.randomUUID(),
                UUID.randomUUID());
    }

    private static String exportDocument() {
        return """
                {"format": "medhook.workflow/v1", "name": "imported-%s", "version": 3,
                 "definition": {"name": "x", "trigger": {"type": "webhook"},
                   "nodes": [{"id": "send", "type": "http", "params": {"method": "POST", "url": "http://127.0.0.2:9/in"}}],
                   "edges": []}}""".formatted(UUID.randomUUID());
    }

    private static final String WH = "/api/v1/workspaces/{workspaceId}/webhook-endpoints";
    private static final String DL = "/api/v1/workspaces/{workspaceId}/webhook-deliveries";

    private static String webhookEndpointBody() {
        return "{\"url\": \"http://127.0.0.2:9/in\", \"eventTypes\": [\"matrix.test\"]}";
    }

    static List<RbacMatrix.Endpoint> endpoints(String ws, String execution, String credential) {
        return endpoints(ws, execution, credential, "unused", "unused");
    }

    static List<RbacMatrix.Endpoint> endpoints(String ws, String execution, String credential, String hook,
            String delivery) {
        return List.of(
                RbacMatrix.workspace("POST", WH, RbacMatrixTest::webhookEndpointBody, EDITORS),
                RbacMatrix.workspace("GET", WH, null, VIEWERS),
                RbacMatrix.workspace("GET", WH + "/{id}", null, VIEWERS).with("id", hook),
                RbacMatrix.workspace("PUT", WH + "/{id}", RbacMatrix.json("{\"description\": \"m\"}"), EDITORS)
                        .with("id", hook),
                RbacMatrix.workspace("POST", WH + "/{id}/secret/rotate", RbacMatrix.json("{}"), EDITORS)
                        .with("id", hook),
                RbacMatrix.workspace("GET", WH + "/{endpointId}/deliveries", null, VIEWERS).with("endpointId", hook),
                RbacMatrix.workspace("POST", WH + "/{endpointId}/redeliver-failed",
                        RbacMatrix.json("{\"since\": \"2020-01-01T00:00:00Z\"}"), EDITORS).with("endpointId", hook),
                RbacMatrix.workspace("POST", "/api/v1/workspaces/{workspaceId}/webhook-messages",
                        RbacMatrix.json("{\"eventType\": \"matrix.test\", \"data\": {\"n\": 1}}"), EDITORS),
                RbacMatrix.workspace("GET", DL, null, VIEWERS),
                RbacMatrix.workspace("GET", DL + "/{id}", null, VIEWERS).with("id", delivery),
                RbacMatrix.workspace("POST", DL + "/{id}/redeliver", null, EDITORS).with("id", delivery),
                RbacMatrix.workspace("POST", CRED, RbacMatrixTest::credentialBody, EDITORS),
                RbacMatrix.workspace("GET", CRED, null, VIEWERS),
                RbacMatrix.workspace("GET", CRED + "/{id}", null, VIEWERS).with("id", credential),
                RbacMatrix.workspace("PUT", CRED + "/{id}", RbacMatrixTest::credentialBody, EDITORS)
                        .with("id", credential),
                RbacMatrix.instance("POST", "/api/v1/admin/credential-keys/rewrap", null, EnumSet.of(OWNER)),
                RbacMatrix.instance("POST", "/api/v1/admin/webhook-endpoint-keys/rewrap", null, EnumSet.of(OWNER)),
                RbacMatrix.instance("GET", "/api/v1/admin/egress/allow-list", null, EnumSet.of(OWNER)),
                // an empty list: the shared test database keeps no entry behind
                RbacMatrix.instance("PUT", "/api/v1/admin/egress/allow-list",
                        RbacMatrix.json("{\"cidrs\": [], \"hosts\": []}"), EnumSet.of(OWNER)),
                RbacMatrix.workspace("POST", WF, RbacMatrixTest::workflowBody, EDITORS),
                RbacMatrix.workspace("GET", WF, null, VIEWERS),
                RbacMatrix.workspace("GET", WF + "/{id}", null, VIEWERS),
                RbacMatrix.workspace("PUT", WF + "/{id}", RbacMatrixTest::workflowBody, EDITORS),
                RbacMatrix.workspace("GET", WF + "/{id}/export", null, VIEWERS),
                RbacMatrix.workspace("POST", WF + "/import", RbacMatrixTest::exportDocument, EDITORS),
                RbacMatrix.workspace("POST", WF + "/{id}/deactivate", null, EDITORS),
                RbacMatrix.workspace("POST", WF + "/{id}/activate", null, EDITORS),
                RbacMatrix.workspace("POST", WF + "/{id}/run", RbacMatrix.json("{\"input\": {\"n\": 1}}"), EDITORS),
                // viewer of the source and admin of the target (here the same workspace, which then answers 409)
                RbacMatrix.workspace("POST", WF + "/{id}/versions/{version}/promote",
                        RbacMatrix.json("{\"targetWorkspaceId\": \"" + ws + "\"}"), EnumSet.of(OWNER, ADMIN))
                        .with("version", "1"),
                RbacMatrix.workspace("GET", EX, null, VIEWERS),
                RbacMatrix.workspace("GET", EX + "/{id}", null, VIEWERS).with("id", execution),
                RbacMatrix.workspace("POST", EX + "/{id}/rerun", RbacMatrix.json("{\"from\": \"start\"}"), EDITORS)
                        .with("id", execution),
                RbacMatrix.workspace("POST", EX + "/{id}/cancel", null, EDITORS).with("id", execution),
                RbacMatrix.instance("GET", "/internal/v1/usage", null, EnumSet.of(SERVICE)),
                // last: deleting the workflow leaves later callers a 404, which still shows they were let through
                RbacMatrix.workspace("DELETE", CRED + "/{id}", null, EDITORS).with("id", credential),
                RbacMatrix.workspace("DELETE", WH + "/{id}", null, EDITORS).with("id", hook),
                RbacMatrix.workspace("DELETE", WF + "/{id}", null, EDITORS));
    }

    @Test
    void everyEndpointAnswersEveryCallerAsItsRoleAllows() throws Exception {
        TestIssuer issuer = TestIssuer.current();
        String ws = WorkflowTestSupport.newWorkspace();
        String other = WorkflowTestSupport.newWorkspace();
        Map<Caller, String> tokens = new EnumMap<>(Caller.class);
        tokens.put(Caller.OWNER, issuer.user("owner-" + UUID.randomUUID(), Map.of(ws, "admin"), "owner"));
        for (Caller role : List.of(ADMIN, EDITOR, VIEWER, Caller.AUDITOR)) {
            tokens.put(role, WorkflowTestSupport.token(ws, role.name().toLowerCase()));
        }
        tokens.put(Caller.OTHER_WORKSPACE, WorkflowTestSupport.token(other, "admin"));
        tokens.put(SERVICE, issuer.service("auth-service", "medhook-workflow"));
        tokens.put(Caller.EXPIRED, issuer.expiredUser("admin-" + UUID.randomUUID(), Map.of(ws, "admin")));
        tokens.put(Caller.TAMPERED, RbacMatrix.tamper(tokens.get(Caller.OWNER)));
        JwtClaims sandboxAudience = issuer.base("admin-" + UUID.randomUUID(), List.of("medhook-sandbox"), 600);
        sandboxAudience.setClaim("mht", "user");
        sandboxAudience.setClaim("ws", Map.of(ws, "admin"));
        tokens.put(Caller.WRONG_AUDIENCE, issuer.sign(sandboxAudience));

        JsonPath wf = WorkflowTestSupport.create(ws, tokens.get(EDITOR), Map.of("name", "matrix", "trigger",
                Map.of("type", "webhook"), "nodes", List.of(Map.of("id", "send", "type", "http",
                        "params", Map.of("method", "POST", "url", "http://127.0.0.2:9/in")))));
        String execution = WorkflowTestSupport.trigger(wf.getString("webhookUrl"), "{\"n\": 1}");

        String credential = given().auth().oauth2(tokens.get(EDITOR)).contentType(ContentType.JSON)
                .body(credentialBody()).post("/api/v1/workspaces/" + ws + "/credentials")
                .then().statusCode(201).extract().path("id");

        String hook = given().auth().oauth2(tokens.get(EDITOR)).contentType(ContentType.JSON)
                .body(webhookEndpointBody()).post("/api/v1/workspaces/" + ws + "/webhook-endpoints")
                .then().statusCode(201).extract().path("id");
        String delivery = given().auth().oauth2(tokens.get(EDITOR)).contentType(ContentType.JSON)
                .body("{\"eventType\": \"matrix.test\", \"data\": {\"n\": 1}}")
                .post("/api/v1/workspaces/" + ws + "/webhook-messages")
                .then().statusCode(202).extract().path("deliveryIds[0]");

        String url = base.toString().replaceAll("/$", "");
        List<String> violations = RbacMatrix.run(url, endpoints(ws, execution, credential, hook, delivery), tokens,
                Map.of("workspaceId", ws,
                "id", wf.getString("id")));
        assertEquals(List.of(), violations);
    }

    @Test
    void theMatrixCoversEveryOperationOfTheService() throws Exception {
        assertEquals(Set.of(), RbacMatrix.uncovered(base.toString().replaceAll("/$", ""), endpoints("unused", "unused", "unused"),
                Set.of("POST /api/v1/webhooks/{token}")));
    }
}

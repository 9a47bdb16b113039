package io.medhook.workflow.delivery;

import static io.medhook.workflow.WorkflowTestSupport.auditEvents;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.delivery.DeliveryTestSupport.createEndpoint;
import static io.medhook.workflow.delivery.DeliveryTestSupport.endpoint;
import static io.medhook.workflow.delivery.DeliveryTestSupport.endpoints;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuer;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The webhook endpoint API: validation, the workspace-kind URL rule, the secret at rest and in audit events. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class WebhookEndpointResourceTest {

    /** Configured as a production workspace in application.properties (%test); the others are sandboxes. */
    static final String PRODUCTION_WS = "0b7d2c9e-5e1a-4c3e-9a51-000000000006";

    @Test
    void aProductionWorkspaceNeedsHttpsWhileASandboxMayUseHttp() {
        TestIssuer.current().workspaceKind(PRODUCTION_WS, "production");
        String editor = token(PRODUCTION_WS, "editor");
        createEndpoint(PRODUCTION_WS, editor, Map.of("url", "http://127.0.0.2:9/in")).then().statusCode(422)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("url"))
                .body("errors[0].message", containsString("https"));
        createEndpoint(PRODUCTION_WS, editor, Map.of("url", "https://hooks.example.org/in")).then().statusCode(201)
                .body("secret", org.hamcrest.Matchers.startsWith("whsec_"));
        String sandbox = newWorkspace();
        createEndpoint(sandbox, token(sandbox, "editor"), Map.of("url", "http://127.0.0.2:9/in")).then()
                .statusCode(201);
    }

    @Test
    void theWorkspaceKindComesFromAuthServiceForAUser() {
        // configured nowhere (the %test default is sandbox), but auth-service says production: https only, on create
        // and on update
        String ws = newWorkspace();
        TestIssuer.current().workspaceKind(ws, "production");
        String editor = token(ws, "editor");
        createEndpoint(ws, editor, Map.of("url", "http://127.0.0.2:9/in")).then().statusCode(422)
                .body("errors[0].field", equalTo("url"));
        String id = createEndpoint(ws, editor, Map.of("url", "https://hooks.example.org/in")).then().statusCode(201)
                .extract().path("id");
        given().auth().oauth2(editor).contentType("application/json").body(Map.of("url", "http://127.0.0.2:9/in"))
                .put("/api/v1/workspaces/" + ws + "/webhook-endpoints/" + id).then().statusCode(422)
                .body("errors[0].field", equalTo("url"));
        // and the other way round: auth-service's sandbox beats the configured production
        TestIssuer.current().workspaceKind(PRODUCTION_WS, "sandbox");
        try {
            createEndpoint(PRODUCTION_WS, token(PRODUCTION_WS, "editor"), Map.of("url", "http://127.0.0.2:9/in"))
                    .then().statusCode(201);
        } finally {
            TestIssuer.current().workspaceKind(PRODUCTION_WS, "production");
        }
    }

    @Test
    void invalidEndpointsGet422NamingEachFieldAndMalformedJson400() {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        createEndpoint(ws, editor, Map.of("url", "ftp://x.example.org/", "eventTypes", List.of("bad type!"),
                "headers", Map.of("webhook-signature", "x"), "timeoutSeconds", 0, "retrySchedule", List.of(-1),
                "rateLimit", -5, "workflowIds", List.of("nope")))
                .then().statusCode(422).contentType("application/problem+json")
                .body("errors.field", org.hamcrest.Matchers.containsInAnyOrder("url", "eventTypes", "workflowIds",
                        "headers", "rateLimit", "retrySchedule", "timeoutSeconds"))
                .body(not(containsString("Exception")));
        createEndpoint(ws, editor, Map.of("url", "http://user:pw@127.0.0.2:9/in")).then().statusCode(422)
                .body("errors[0].message", containsString("user info"));
        given().auth().oauth2(editor).contentType(ContentType.JSON).body("{\"url\": ").post(endpoints(ws))
                .then().statusCode(400).contentType("application/problem+json");
        given().auth().oauth2(editor).contentType(ContentType.JSON).body("{\"url\": \"http://127.0.0.2:9\", \"x\": 1}")
                .post(endpoints(ws)).then().statusCode(400);
    }

    @Test
    void theSecretIsShownOnceStoredSealedAndNeverInAuditEvents() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        var ep = endpoint(ws, editor, Map.of("url", "http://127.0.0.2:9/in?token=abc", "description", "ward feed",
                "eventTypes", List.of("adt.a01"), "headers", Map.of("X-Feed", "ward-3")));
        String id = ep.getString("id");
        String secret = ep.getString("secret");
        given().auth().oauth2(editor).get(endpoints(ws) + "/" + id).then().statusCode(200)
                .body("secret", nullValue()).body("url", equalTo("http://127.0.0.2:9/in?token=abc"))
                .body("headers.X-Feed", equalTo("ward-3")).body("timeoutSeconds", equalTo(15));
        given().auth().oauth2(editor).get(endpoints(ws)).then().statusCode(200)
                .body("items.id", hasItem(id)).body(not(containsString("whsec_")));
        String rotated = given().auth().oauth2(editor).contentType(ContentType.JSON).body("{}")
                .post(endpoints(ws) + "/" + id + "/secret/rotate").then().statusCode(200)
                .body("previousSecretValidUntil", org.hamcrest.Matchers.notNullValue())
                .extract().path("secret");

        // at rest: neither secret, nor its key bytes in base64, anywhere in the row
        String keyPart = secret.substring("whsec_".length());
        StringBuilder row = new StringBuilder();
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select * from webhook_endpoint where id = '" + id + "'")) {
            assertTrue(rs.next());
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                byte[] b = rs.getBytes(i);
                row.append(b == null ? "" : new String(b, StandardCharsets.ISO_8859_1)).append('\n');
            }
        }
        for (String s : List.of(secret, keyPart, rotated, rotated.substring(6))) {
            assertFalse(row.toString().contains(s), "a signing secret is stored in clear");
        }
        // audit: creation, rotation; the secret masked, the URL (may hold a token) as PHI, header values secret
        List<JsonNode> created = auditEvents("webhook_endpoint.create", "webhook_endpoint", id);
        List<JsonNode> rotation = auditEvents("webhook_endpoint.rotate_secret", "webhook_endpoint", id);
        assertEquals(1, created.size());
        assertEquals(1, rotation.size());
        String all = created.get(0).toString() + rotation.get(0).toString();
        for (String s : List.of(keyPart, rotated.substring(6), "token=abc", "ward-3")) {
            assertFalse(all.contains(s), "audit events must not carry " + s);
        }
        assertTrue(all.contains("ward feed"));
        assertTrue(rotation.get(0).toString().contains("signingSecret"), "the rotation shows the secret changed");
    }

    @Test
    void updatesKeepOmittedFieldsAndOtherWorkspacesSeeNothing() {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String id = endpoint(ws, editor, Map.of("url", "http://127.0.0.2:9/in", "eventTypes", List.of("a.b"),
                "rateLimit", 5)).getString("id");
        given().auth().oauth2(editor).contentType(ContentType.JSON).body(Map.of("enabled", false, "description", "d"))
                .put(endpoints(ws) + "/" + id).then().statusCode(200)
                .body("enabled", equalTo(false)).body("disabledReason", equalTo("manual"))
                .body("eventTypes", equalTo(List.of("a.b"))).body("rateLimit", equalTo(5))
                .body("version", equalTo(2));
        String other = newWorkspace();
        given().auth().oauth2(token(other, "admin")).get(endpoints(other) + "/" + id).then().statusCode(404)
                .contentType("application/problem+json");
        given().auth().oauth2(editor).get(endpoints(ws) + "/not-an-id").then().statusCode(404);
        given().auth().oauth2(editor).delete(endpoints(ws) + "/" + id).then().statusCode(204);
        given().auth().oauth2(editor).get(endpoints(ws) + "/" + id).then().statusCode(404);
        given().auth().oauth2(editor).get(endpoints(ws) + "/" + id + "/deliveries").then().statusCode(404);
    }
}

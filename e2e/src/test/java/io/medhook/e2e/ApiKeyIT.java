package io.medhook.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.http.ContentType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An API key created at auth-service works as a bearer credential at workflow-service (introspected, cached), stays in
 * its own workspace, and stops working there within 5 seconds of being revoked.
 */
@ExtendWith(Suite.Extension.class)
class ApiKeyIT {

    @Test
    void apiKeyWorksAtWorkflowServiceOnlyInItsWorkspaceUntilRevoked(Suite suite) throws Exception {
        String admin = suite.login();
        String sandbox = given().auth().oauth2(admin).get(suite.url("auth-service") + "/api/v1/workspaces")
                .then().extract().path("items.find { it.name == 'Sandbox' }.id");
        String production = given().auth().oauth2(admin).get(suite.url("auth-service") + "/api/v1/workspaces")
                .then().extract().path("items.find { it.name == 'Production' }.id");
        var created = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("name", "e2e-ci", "role", "editor"))
                .post(suite.url("auth-service") + "/api/v1/workspaces/" + sandbox + "/api-keys")
                .then().statusCode(201).extract().jsonPath();
        String key = created.getString("key");
        assertTrue(key.startsWith("mh_sk_sbx_"), "sandbox keys carry the sandbox prefix");

        String workflows = suite.url("workflow-service") + "/api/v1/workspaces/" + sandbox + "/workflows";
        given().auth().oauth2(key).contentType(ContentType.JSON)
                .body(Map.of("name", "via-api-key", "trigger", Map.of("type", "webhook"),
                        "nodes", List.of(Map.of("id", "h", "type", "http", "params", Map.of("url", "http://127.0.0.2:9/x")))))
                .post(workflows).then().statusCode(201);
        given().auth().oauth2(key).get(suite.url("workflow-service") + "/api/v1/workspaces/" + production + "/workflows")
                .then().statusCode(404);
        given().auth().oauth2(key).get(suite.url("audit-service") + "/api/v1/audit/events").then().statusCode(403);

        given().auth().oauth2(admin)
                .delete(suite.url("auth-service") + "/api/v1/workspaces/" + sandbox + "/api-keys/" + created.getString("id"))
                .then().statusCode(204);
        Instant revoked = Instant.now();
        int status = 200;
        while (status != 401 && Duration.between(revoked, Instant.now()).toMillis() < 5000) {
            status = given().auth().oauth2(key).get(workflows).statusCode();
            Thread.sleep(50);
        }
        System.out.printf("revoked API key refused by workflow-service after %d ms%n",
                Duration.between(revoked, Instant.now()).toMillis());
        assertTrue(status == 401, "the revoked key is refused within 5 s");
    }
}

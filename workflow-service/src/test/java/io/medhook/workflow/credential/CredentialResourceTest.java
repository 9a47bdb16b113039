package io.medhook.workflow.credential;

import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.credential.CredentialTestSupport.body;
import static io.medhook.workflow.credential.CredentialTestSupport.path;
import static io.medhook.workflow.credential.CredentialTestSupport.post;
import static io.medhook.workflow.credential.CredentialTestSupport.put;
import static io.medhook.workflow.credential.CredentialTestSupport.secret;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The credentials API: CRUD, roles, validation, and no secret value in any response. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class CredentialResourceTest {

    /** Every response body of a test, to scan for secrets at the end. */
    private final List<String> bodies = new ArrayList<>();

    private Response keep(Response r) {
        bodies.add(r.asString());
        return r;
    }

    private void assertNoSecretIn(List<String> secrets) {
        for (String b : bodies) {
            for (String s : secrets) {
                assertFalse(b.contains(s), "a response carries a secret value");
            }
        }
    }

    @Test
    void everyTypeIsCreatedReadListedAndNeverShowsItsSecrets() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String viewer = token(ws, "viewer");
        String password = secret("pw");
        String bearer = secret("bearer");
        String apiKey = secret("apikey");
        String clientSecret = secret("cs");
        String awsSecret = secret("aws");
        String session = secret("session");
        String pem = CredentialTestSupport.rsaPem();
        String ecPem = CredentialTestSupport.ecPem("secp384r1");
        String hook = secret("hook");
        List<String> secrets = List.of(password, bearer, apiKey, clientSecret, awsSecret, session, hook,
                pem.lines().skip(2).findFirst().orElseThrow(), ecPem.lines().skip(1).findFirst().orElseThrow());

        Map<String, Map<String, ?>> cases = new LinkedHashMap<>();
        cases.put("http_basic", Map.of("username", "svc-user", "password", password));
        cases.put("bearer", Map.of("token", bearer));
        cases.put("api_key_header", Map.of("header", "X-Api-Key", "value", apiKey));
        cases.put("oauth2_client_credentials", Map.of("tokenUrl", "https://idp.example.org/token",
                "clientId", "client-1", "clientSecret", clientSecret, "scope", "system/*.read"));
        cases.put("aws", Map.of("accessKeyId", "AKIAIOSFODNN7EXAMPLE", "secretAccessKey", awsSecret,
                "sessionToken", session, "region", "eu-central-1"));
        cases.put("smart_backend", Map.of("tokenUrl", "https://ehr.example.org/auth/token", "clientId", "bulk",
                "privateKeyPem", pem, "keyId", "kid-1", "algorithm", "RS384"));
        cases.put("webhook_secret", Map.of("secret", hook));
        Map<String, List<String>> expectedSecretFields = Map.of("http_basic", List.of("password"),
                "bearer", List.of("token"), "api_key_header", List.of("value"),
                "oauth2_client_credentials", List.of("clientSecret"), "aws", List.of("secretAccessKey", "sessionToken"),
                "smart_backend", List.of("privateKeyPem"), "webhook_secret", List.of("secret"));

        Map<String, String> ids = new HashMap<>();
        for (var c : cases.entrySet()) {
            Response r = keep(post(ws, editor, body(c.getKey(), c.getValue())));
            r.then().statusCode(201).contentType(ContentType.JSON);
            JsonPath j = r.jsonPath();
            assertEquals(c.getKey(), j.getString("type"));
            assertEquals(1, j.getInt("version"));
            assertEquals(expectedSecretFields.get(c.getKey()), j.getList("secretFieldsSet"));
            Map<String, String> fields = j.getMap("fields");
            for (var f : c.getValue().entrySet()) {
                boolean secret = expectedSecretFields.get(c.getKey()).contains(f.getKey());
                assertEquals(!secret, fields.containsKey(f.getKey()), c.getKey() + "." + f.getKey());
                if (!secret) {
                    assertEquals(f.getValue(), fields.get(f.getKey()));
                }
            }
            ids.put(c.getKey(), j.getString("id"));
        }
        Response ec = keep(post(ws, editor, body("smart_backend", Map.of("tokenUrl", "http://ehr.example.org/t",
                "clientId", "bulk", "privateKeyPem", ecPem, "algorithm", "ES384"))));
        ec.then().statusCode(201);

        Response list = keep(given().auth().oauth2(viewer).get(path(ws)));
        list.then().statusCode(200);
        assertEquals(8, list.jsonPath().getList("items").size());
        for (String id : ids.values()) {
            keep(given().auth().oauth2(viewer).get(path(ws) + "/" + id)).then().statusCode(200)
                    .body("id", equalTo(id));
        }
        JsonPath basic = keep(given().auth().oauth2(viewer).get(path(ws) + "/" + ids.get("http_basic"))).jsonPath();
        assertEquals("svc-user", basic.getString("fields.username"));
        assertEquals(List.of("password"), basic.getList("secretFieldsSet"));
        assertTrue(basic.getString("createdAt") != null && basic.getString("updatedAt") != null);
        assertNoSecretIn(secrets);
    }

    @Test
    void updateKeepsOmittedFieldsReplacesGivenOnesAndRemovesNulledOptionalOnes() {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String first = secret("first");
        String second = secret("second");
        String session = secret("session");
        JsonPath created = keep(post(ws, editor, body("aws", Map.of("accessKeyId", "AKIAIOSFODNN7EXAMPLE",
                "secretAccessKey", first, "sessionToken", session, "region", "eu-west-1")))).jsonPath();
        String id = created.getString("id");

        // only the region: the secret access key and session token stay as they were
        JsonPath region = keep(put(ws, editor, id, Map.of("fields", Map.of("region", "us-east-1"))))
                .then().statusCode(200).extract().jsonPath();
        assertEquals("us-east-1", region.getString("fields.region"));
        assertEquals("AKIAIOSFODNN7EXAMPLE", region.getString("fields.accessKeyId"));
        assertEquals(List.of("secretAccessKey", "sessionToken"), region.getList("secretFieldsSet"));
        assertEquals(2, region.getInt("version"));
        assertEquals(created.getString("name"), region.getString("name"));

        // a new secret, a new name, and the optional session token removed with null
        Map<String, Object> fields = new HashMap<>();
        fields.put("secretAccessKey", second);
        fields.put("sessionToken", null);
        JsonPath replaced = keep(put(ws, editor, id, Map.of("name", "renamed", "type", "aws", "fields", fields)))
                .then().statusCode(200).extract().jsonPath();
        assertEquals("renamed", replaced.getString("name"));
        assertEquals(List.of("secretAccessKey"), replaced.getList("secretFieldsSet"));
        assertEquals(3, replaced.getInt("version"));

        // a required field cannot be removed
        Map<String, Object> clearRequired = new HashMap<>();
        clearRequired.put("secretAccessKey", null);
        keep(put(ws, editor, id, Map.of("fields", clearRequired))).then().statusCode(422)
                .body("errors[0].field", equalTo("fields.secretAccessKey"));
        // the type cannot change
        keep(put(ws, editor, id, Map.of("type", "bearer", "fields", Map.of("token", "x")))).then().statusCode(422)
                .body("errors[0].field", equalTo("type"));
        assertNoSecretIn(List.of(first, second, session));
    }

    @Test
    void deleteRemovesTheCredential() {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String id = post(ws, editor, body("bearer", Map.of("token", secret("t")))).then().statusCode(201)
                .extract().path("id");
        given().auth().oauth2(editor).delete(path(ws) + "/" + id).then().statusCode(204);
        given().auth().oauth2(editor).get(path(ws) + "/" + id).then().statusCode(404)
                .contentType("application/problem+json");
        given().auth().oauth2(editor).delete(path(ws) + "/" + id).then().statusCode(404);
        put(ws, editor, id, Map.of("fields", Map.of("token", "x"))).then().statusCode(404);
    }

    @Test
    void viewersReadButCannotWriteAndOtherWorkspacesSeeNothing() {
        String ws = newWorkspace();
        String other = newWorkspace();
        String editor = token(ws, "editor");
        String viewer = token(ws, "viewer");
        String outsider = token(other, "admin");
        String id = post(ws, editor, body("bearer", Map.of("token", secret("t")))).then().statusCode(201)
                .extract().path("id");
        given().auth().oauth2(viewer).get(path(ws) + "/" + id).then().statusCode(200);
        post(ws, viewer, body("bearer", Map.of("token", "x"))).then().statusCode(403);
        put(ws, viewer, id, Map.of("fields", Map.of("token", "x"))).then().statusCode(403);
        given().auth().oauth2(viewer).delete(path(ws) + "/" + id).then().statusCode(403);
        given().auth().oauth2(token(ws, "auditor")).get(path(ws)).then().statusCode(403);

        given().auth().oauth2(outsider).get(path(ws) + "/" + id).then().statusCode(404);
        given().auth().oauth2(outsider).get(path(ws)).then().statusCode(404);
        // the id of a credential of another workspace, asked for in one's own workspace: not found either
        given().auth().oauth2(outsider).get(path(other) + "/" + id).then().statusCode(404);
        put(other, outsider, id, Map.of("fields", Map.of("token", "x"))).then().statusCode(404);
        given().auth().oauth2(outsider).delete(path(other) + "/" + id).then().statusCode(404);
        given().get(path(ws)).then().statusCode(401);
        given().auth().oauth2(viewer).get(path(ws) + "/not-a-uuid").then().statusCode(404);
    }

    @Test
    void duplicateNamesInOneWorkspaceConflict() {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        Map<String, Object> b = body("bearer", Map.of("token", secret("t")));
        post(ws, editor, b).then().statusCode(201);
        Map<String, Object> again = new HashMap<>(b);
        again.put("name", ((String) b.get("name")).toUpperCase());
        post(ws, editor, again).then().statusCode(409).contentType("application/problem+json");
        post(newWorkspace(), token(newWorkspace(), "editor"), b).then().statusCode(404);
    }

    @Test
    void invalidCredentialsAreRejectedNamingTheField() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String leaked = secret("leak");
        record Case(Object body, String field) {
        }
        Map<String, Object> noType = new HashMap<>(Map.of("name", "n", "fields", Map.of("token", leaked)));
        Map<String, Object> noName = new HashMap<>(Map.of("type", "bearer", "fields", Map.of("token", leaked)));
        List<Case> cases = List.of(
                new Case(noType, "type"),
                new Case(Map.of("name", "n", "type", "kerberos", "fields", Map.of("token", leaked)), "type"),
                new Case(noName, "name"),
                new Case(Map.of("name", "x".repeat(201), "type", "bearer", "fields", Map.of("token", leaked)), "name"),
                new Case(body("http_basic", Map.of("username", "u")), "fields.password"),
                new Case(body("http_basic", Map.of("password", leaked)), "fields.username"),
                new Case(body("bearer", Map.of("token", leaked, "password", leaked)), "fields.password"),
                new Case(body("bearer", Map.of("token", 42)), "fields.token"),
                new Case(body("bearer", Map.of("token", " ")), "fields.token"),
                new Case(body("bearer", Map.of("token", "x".repeat(5000))), "fields.token"),
                new Case(Map.of("name", "n", "type", "bearer", "fields", List.of(leaked)), "fields"),
                new Case(body("api_key_header", Map.of("header", "X Api: Key", "value", leaked)), "fields.header"),
                new Case(body("oauth2_client_credentials", Map.of("tokenUrl", "ftp://idp.example.org/token",
                        "clientId", "c", "clientSecret", leaked)), "fields.tokenUrl"),
                new Case(body("oauth2_client_credentials", Map.of("tokenUrl", "/token",
                        "clientId", "c", "clientSecret", leaked)), "fields.tokenUrl"),
                new Case(body("oauth2_client_credentials", Map.of("tokenUrl", "https://u:p@idp.example.org/t",
                        "clientId", "c", "clientSecret", leaked)), "fields.tokenUrl"),
                new Case(body("aws", Map.of("accessKeyId", "lowercase-id", "secretAccessKey", leaked)),
                        "fields.accessKeyId"),
                new Case(body("aws", Map.of("accessKeyId", "AKIAIOSFODNN7EXAMPLE", "secretAccessKey", leaked,
                        "region", "Frankfurt")), "fields.region"),
                new Case(body("smart_backend", Map.of("tokenUrl", "https://ehr.example.org/t", "clientId", "c",
                        "privateKeyPem", "-----BEGIN PRIVATE KEY-----\n" + leaked + "\n-----END PRIVATE KEY-----",
                        "algorithm", "RS384")), "fields.privateKeyPem"),
                new Case(body("smart_backend", Map.of("tokenUrl", "https://ehr.example.org/t", "clientId", "c",
                        "privateKeyPem", CredentialTestSupport.rsaPem(), "algorithm", "HS256")), "fields.algorithm"),
                new Case(body("smart_backend", Map.of("tokenUrl", "https://ehr.example.org/t", "clientId", "c",
                        "privateKeyPem", CredentialTestSupport.rsaPem(), "algorithm", "ES384")),
                        "fields.privateKeyPem"),
                new Case(body("smart_backend", Map.of("tokenUrl", "https://ehr.example.org/t", "clientId", "c",
                        "privateKeyPem", CredentialTestSupport.ecPem("secp256r1"), "algorithm", "ES384")),
                        "fields.privateKeyPem"),
                new Case(body("smart_backend", Map.of("tokenUrl", "https://ehr.example.org/t", "clientId", "c",
                        "privateKeyPem", CredentialTestSupport.rsaPem())), "fields.algorithm"),
                new Case(body("webhook_secret", Map.of()), "fields.secret"));
        for (Case c : cases) {
            Response r = post(ws, editor, c.body());
            r.then().statusCode(422).contentType("application/problem+json")
                    .body("type", equalTo("https://medhook.io/problems/validation"))
                    .body("errors[0].field", equalTo(c.field()))
                    .body("detail", containsString(c.field()))
                    .body(not(containsString(leaked)));
        }
        // unknown top-level JSON fields and malformed JSON are 400, and never echo values either
        Map<String, Object> extra = new HashMap<>(body("bearer", Map.of("token", leaked)));
        extra.put("secret", leaked);
        post(ws, editor, extra).then().statusCode(400).body(not(containsString(leaked)));
        given().auth().oauth2(editor).contentType(ContentType.JSON).body("{\"name\": \"" + leaked + "\", ")
                .post(path(ws)).then().statusCode(400).body(not(containsString(leaked)));
        given().auth().oauth2(editor).get(path(ws)).then().statusCode(200).body("items.size()", equalTo(0));
    }
}

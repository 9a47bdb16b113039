package io.medhook.workflow.credential;

import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.credential.CredentialTestSupport.body;
import static io.medhook.workflow.credential.CredentialTestSupport.path;
import static io.medhook.workflow.credential.CredentialTestSupport.post;
import static io.medhook.workflow.credential.CredentialTestSupport.put;
import static io.medhook.workflow.credential.CredentialTestSupport.secret;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** credential.create|update|delete events in the outbox: fields that are set and changed, secret values masked. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class CredentialAuditTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void createUpdateAndDeleteAreAuditedWithSecretValuesMasked() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String first = secret("cs1");
        String second = secret("cs2");
        String id = post(ws, editor, body("oauth2_client_credentials", Map.of("tokenUrl",
                "https://idp.example.org/token", "clientId", "client-1", "clientSecret", first)))
                .then().statusCode(201).extract().path("id");

        JsonNode created = single("credential.create", id);
        assertEquals(ws, created.path("workspaceId").asText());
        JsonNode after = created.path("change").path("after");
        assertEquals("oauth2_client_credentials", after.path("type").asText());
        assertEquals("https://idp.example.org/token", after.path("fields").path("tokenUrl").asText());
        assertEquals("client-1", after.path("fields").path("clientId").asText());
        assertEquals("[\"clientSecret\"]", after.path("secretFieldsSet").toString());
        assertEquals("[secret]", after.path("secrets").asText());

        // a non-secret change only: the secrets are not listed as changed
        put(ws, editor, id, Map.of("fields", Map.of("scope", "system/*.read"))).then().statusCode(200);
        List<JsonNode> updates = events("credential.update", id);
        assertEquals(1, updates.size());
        assertEquals(List.of("version", "fields"), names(updates.get(0).path("change").path("after")));

        // a new secret value: listed as changed, masked on both sides
        put(ws, editor, id, Map.of("fields", Map.of("clientSecret", second))).then().statusCode(200);
        updates = events("credential.update", id);
        assertEquals(2, updates.size());
        JsonNode change = updates.get(1).path("change");
        assertEquals(List.of("version", "secrets"), names(change.path("after")));
        assertEquals("[secret]", change.path("before").path("secrets").asText());
        assertEquals("[secret]", change.path("after").path("secrets").asText());

        given().auth().oauth2(editor).delete(path(ws) + "/" + id).then().statusCode(204);
        JsonNode deleted = single("credential.delete", id);
        assertEquals("[secret]", deleted.path("change").path("before").path("secrets").asText());
        assertEquals(3, deleted.path("change").path("before").path("version").asInt());
        assertEquals("[\"clientSecret\"]", deleted.path("change").path("before").path("secretFieldsSet").toString());

        for (JsonNode e : List.of(created, updates.get(0), updates.get(1), deleted)) {
            assertFalse(e.toString().contains(first));
            assertFalse(e.toString().contains(second));
        }
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static JsonNode single(String action, String id) throws Exception {
        List<JsonNode> events = events(action, id);
        assertEquals(1, events.size());
        return events.get(0);
    }

    private static List<JsonNode> events(String action, String id) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement ps = c.prepareStatement(
                "select payload from audit_outbox where payload like ? and payload like ? order by seq")) {
            ps.setString(1, "%\"action\":\"" + action + "\"%");
            ps.setString(2, "%\"resource\":{\"type\":\"credential\",\"id\":\"" + id + "\"}%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(JSON.readTree(rs.getString(1)));
                }
            }
        }
        return out;
    }
}

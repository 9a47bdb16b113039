package io.medhook.workflow.delivery;

import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.delivery.DeliveryTestSupport.endpoint;
import static io.medhook.workflow.delivery.DeliveryTestSupport.endpoints;
import static io.medhook.workflow.delivery.DeliveryTestSupport.message;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuer;
import io.medhook.testing.TestIssuerResource;
import io.medhook.workflow.credential.KeyVersionsDouble;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A key-encryption key rotation ({@link KeyVersionsDouble}, a versioned KEK) reaches webhook endpoints: the re-wrap
 * moves every endpoint's data key to the new version without touching the sealed secrets, after which the old version
 * can be retired and the endpoints still sign and seal.
 */
@QuarkusTest
@TestProfile(EndpointKeyRotationProfile.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class EndpointKeyRotationTest {

    private static final String REWRAP = "/api/v1/admin/webhook-endpoint-keys/rewrap";

    @Inject
    KeyVersionsDouble kek;

    private static String column(String id, String column) throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select " + column + " from webhook_endpoint where id = '" + id + "'")) {
            rs.next();
            return new String(rs.getBytes(1), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void rewrapMovesEndpointKeysToTheNewVersionSoTheOldOneCanBeRetired() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(endpoint(ws, editor, Map.of("url", "http://127.0.0.2:9/k" + i, "eventTypes", List.of("k")))
                    .getString("id"));
        }
        // the double's current version (another test class of this profile may have rotated it already)
        String before = column(ids.get(0), "data_key_wrapped").replaceAll("^(double:v[0-9]+:).*", "$1");
        for (String id : ids) {
            assertTrue(column(id, "data_key_wrapped").startsWith(before));
        }
        List<String> sealed = new ArrayList<>();
        for (String id : ids) {
            sealed.add(column(id, "secrets_enc"));
        }
        int v = kek.rotate();
        assertTrue(!before.equals("double:v" + v + ":"));
        String fresh = endpoint(ws, editor, Map.of("url", "http://127.0.0.2:9/k3", "eventTypes", List.of("k")))
                .getString("id");
        assertTrue(column(fresh, "data_key_wrapped").startsWith("double:v" + v + ":"));
        ids.add(fresh);

        String owner = TestIssuer.current().user("owner-" + UUID.randomUUID(), Map.of(), "owner");
        JsonPath report = given().auth().oauth2(owner).post(REWRAP).then().statusCode(200).extract().jsonPath();
        assertEquals("double:v" + v, report.getString("currentKey"));
        assertTrue(report.getInt("rewrapped") >= 3);
        for (String id : ids) {
            assertTrue(!report.getList("failed").contains(id));
        }
        for (int i = 0; i < ids.size(); i++) {
            assertTrue(column(ids.get(i), "data_key_wrapped").startsWith("double:v" + v + ":"));
            if (i < 3) {
                assertArrayEquals(sealed.get(i).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                        column(ids.get(i), "secrets_enc").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                        "the data key and the sealed secrets stay");
            }
        }

        kek.retireBelow(v);
        // every endpoint still opens: a message seals a body for each, a rotation reads the current secret
        assertEquals(4, message(ws, editor, "k", Map.of("n", 1)).getList("deliveryIds").size());
        for (String id : ids) {
            given().auth().oauth2(editor).contentType(ContentType.JSON).body("{}")
                    .post(endpoints(ws) + "/" + id + "/secret/rotate").then().statusCode(200);
        }
        given().auth().oauth2(token(ws, "admin")).post(REWRAP).then().statusCode(403);
        given().post(REWRAP).then().statusCode(401);
    }
}

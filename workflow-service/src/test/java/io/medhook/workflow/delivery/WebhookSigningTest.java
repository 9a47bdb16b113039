package io.medhook.workflow.delivery;

import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.delivery.DeliveryTestSupport.awaitDelivery;
import static io.medhook.workflow.delivery.DeliveryTestSupport.endpoint;
import static io.medhook.workflow.delivery.DeliveryTestSupport.message;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our deliveries as an independent receiver sees them: the official npm {@code standardwebhooks} package, run by
 * Node.js, verifies each one ({@link NodeWebhookReceiver}); a tampered body, a wrong secret and an old timestamp fail
 * there. Runs with the service's own dispatcher and the real clock.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class WebhookSigningTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    static NodeWebhookReceiver node;

    @BeforeAll
    static void startReceiver() throws Exception {
        node = NodeWebhookReceiver.start();
    }

    @AfterAll
    static void stopReceiver() {
        if (node != null) {
            node.close();
        }
    }

    private static List<JsonNode> hitsTo(String path) throws Exception {
        return node.hits().stream().filter(h -> h.get("path").asText().equals(path)).toList();
    }

    private static List<JsonNode> awaitHits(String path, int n) throws Exception {
        Instant end = Instant.now().plusSeconds(20);
        List<JsonNode> h = hitsTo(path);
        while (h.size() < n && Instant.now().isBefore(end)) {
            Thread.sleep(25);
            h = hitsTo(path);
        }
        assertEquals(n, h.size(), "deliveries that arrived at " + path);
        return h;
    }

    @Test
    void theStandardWebhooksPackageVerifiesOurDeliveryAndRejectsTamperingWrongSecretAndOldTimestamps()
            throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String path = "/in/" + java.util.UUID.randomUUID();
        var ep = endpoint(ws, editor, Map.of("url", node.url(path), "eventTypes", List.of("patient.admitted")));
        String secret = ep.getString("secret");
        assertTrue(secret.startsWith("whsec_"));
        assertTrue(java.util.Base64.getDecoder().decode(secret.substring(6)).length >= 24);
        String wrong = StandardWebhooks.newSecret();
        node.configure(Map.of("secrets", List.of(secret, wrong), "status", 200, "delayMs", 0));

        var msg = message(ws, editor, "patient.admitted", Map.of("encounter", "E-1", "ward", "3B"));
        String deliveryId = msg.getList("deliveryIds", String.class).get(0);
        JsonNode hit = awaitHits(path, 1).get(0);

        assertEquals("ok", hit.get("results").get(0).get("verify").asText(), "verified with the endpoint's secret");
        assertTrue(hit.get("results").get(0).get("signed").asBoolean());
        assertEquals("No matching signature found", hit.get("results").get(1).get("verify").asText(),
                "a wrong secret does not verify");
        assertEquals(msg.getString("msgId"), hit.get("id").asText());
        assertTrue(hit.get("id").asText().startsWith("msg_"));
        long ts = hit.get("timestamp").asLong();
        assertTrue(Math.abs(Instant.now().getEpochSecond() - ts) < 30, "webhook-timestamp is unix seconds now");
        JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(hit.get("body").asText());
        assertEquals("patient.admitted", body.get("type").asText());
        assertEquals("E-1", body.get("data").get("encounter").asText());
        assertEquals("application/json", hit.get("headers").get("content-type").asText());

        var d = awaitDelivery(ws, editor, deliveryId, j -> "succeeded".equals(j.getString("status")),
                Duration.ofSeconds(10));
        assertEquals(1, d.getInt("attempts"));
        assertEquals(200, d.getInt("attemptLog[0].statusCode"));
        assertEquals("{\"ok\":true}", d.getString("attemptLog[0].responseBody"));

        // replays to the same receiver: the body tampered with, then a validly signed but 10 minutes old timestamp
        String sig = hit.get("signature").asText();
        String tampered = hit.get("body").asText().replace("3B", "4C");
        replay(path, hit.get("id").asText(), Long.toString(ts), sig, tampered);
        long old = Instant.now().minusSeconds(600).getEpochSecond();
        byte[] raw = hit.get("body").asText().getBytes(StandardCharsets.UTF_8);
        replay(path, hit.get("id").asText(), Long.toString(old),
                StandardWebhooks.sign(secret, hit.get("id").asText(), old, raw), hit.get("body").asText());
        List<JsonNode> all = awaitHits(path, 3);
        assertEquals("No matching signature found", all.get(1).get("results").get(0).get("verify").asText());
        assertFalse(all.get(1).get("results").get(0).get("signed").asBoolean());
        assertEquals("Message timestamp too old", all.get(2).get("results").get(0).get("verify").asText());
        assertTrue(all.get(2).get("results").get(0).get("signed").asBoolean(), "our signer agrees with the package");
    }

    private static void replay(String path, String id, String ts, String sig, String body) throws Exception {
        HTTP.send(HttpRequest.newBuilder(URI.create(node.url(path))).header("webhook-id", id)
                .header("webhook-timestamp", ts).header("webhook-signature", sig)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void duringARotationsOverlapBothSecretsVerifyAndAfterwardsOnlyTheNewOne() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String path = "/rot/" + java.util.UUID.randomUUID();
        var ep = endpoint(ws, editor, Map.of("url", node.url(path), "eventTypes", List.of("*")));
        String first = ep.getString("secret");
        String id = ep.getString("id");

        String second = given().auth().oauth2(editor).contentType(ContentType.JSON).body(Map.of("overlapSeconds", 3600))
                .post(DeliveryTestSupport.endpoints(ws) + "/" + id + "/secret/rotate")
                .then().statusCode(200).extract().path("secret");
        assertNotEquals(first, second);
        node.configure(Map.of("secrets", List.of(first, second), "status", 200, "delayMs", 0));
        message(ws, editor, "lab.result", Map.of("n", 1));
        JsonNode during = awaitHits(path, 1).get(0);
        assertEquals(2, during.get("signature").asText().split(" ").length, "two signatures during the overlap");
        assertEquals("ok", during.get("results").get(0).get("verify").asText(), "the old secret still verifies");
        assertEquals("ok", during.get("results").get(1).get("verify").asText(), "the new secret verifies");

        String third = given().auth().oauth2(editor).contentType(ContentType.JSON).body(Map.of("overlapSeconds", 0))
                .post(DeliveryTestSupport.endpoints(ws) + "/" + id + "/secret/rotate")
                .then().statusCode(200).extract().path("secret");
        node.configure(Map.of("secrets", List.of(second, third), "status", 200, "delayMs", 0));
        message(ws, editor, "lab.result", Map.of("n", 2));
        JsonNode after = awaitHits(path, 2).get(1);
        assertEquals(1, after.get("signature").asText().split(" ").length);
        assertEquals("No matching signature found", after.get("results").get(0).get("verify").asText(),
                "without an overlap the rotated-out secret stops at once");
        assertEquals("ok", after.get("results").get(1).get("verify").asText());
        // the secret is shown on creation and rotation only
        given().auth().oauth2(editor).get(DeliveryTestSupport.endpoints(ws) + "/" + id).then().statusCode(200)
                .body("secret", org.hamcrest.Matchers.nullValue());
    }
}

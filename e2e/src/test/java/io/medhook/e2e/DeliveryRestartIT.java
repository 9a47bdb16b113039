package io.medhook.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.testing.HttpReceiver;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A signed webhook delivery whose first attempt fails, then workflow-service is killed (SIGKILL) and started again
 * before the retry: the delivery is not lost, the retry goes out from the new process with the same
 * {@code webhook-id}, and the attempt log matches what the receiver saw.
 */
@ExtendWith(Suite.Extension.class)
class DeliveryRestartIT {

    @Test
    void aDeliveryFailedBeforeAKillIsRetriedByTheRestartedServiceWithTheSameId(Suite suite) throws Exception {
        String token = suite.login();
        String ws = given().auth().oauth2(token).get(suite.url("auth-service") + "/api/v1/workspaces")
                .then().extract().path("items.find { it.kind == 'sandbox' }.id");
        String api = suite.url("workflow-service") + "/api/v1/workspaces/" + ws;
        try (HttpReceiver receiver = HttpReceiver.start("127.0.0.2")) {
            AtomicBoolean down = new AtomicBoolean(true);
            receiver.respond(hit -> down.get() ? new HttpReceiver.Reply(503, Map.of(), "down for maintenance")
                    : HttpReceiver.Reply.ok());
            given().auth().oauth2(token).contentType(ContentType.JSON)
                    .body(Map.of("url", receiver.url("/hook"), "eventTypes", List.of("restart.test"),
                            "retrySchedule", List.of(0, 8, 8, 8)))
                    .post(api + "/webhook-endpoints").then().statusCode(201);
            String deliveryId = given().auth().oauth2(token).contentType(ContentType.JSON)
                    .body(Map.of("eventType", "restart.test", "data", Map.of("n", 1)))
                    .post(api + "/webhook-messages").then().statusCode(202).extract().path("deliveryIds[0]");

            // the first attempt fails (503) and is recorded; the retry is due 8 s later
            receiver.await(1, Duration.ofSeconds(30));
            JsonPath first = awaitDelivery(token, api, deliveryId, d -> d.getList("attemptLog").size() >= 1,
                    Duration.ofSeconds(30));
            assertEquals(503, first.getInt("attemptLog[0].statusCode"));
            String webhookId = receiver.hits().get(0).header("webhook-id");
            assertTrue(webhookId != null && webhookId.startsWith("msg_"), webhookId);

            suite.kill("workflow-service");
            Instant killedAt = Instant.now();
            down.set(false);
            suite.start("workflow-service");
            suite.awaitReady("workflow-service", Duration.ofSeconds(180));

            JsonPath done = awaitDelivery(token, api, deliveryId, d -> "succeeded".equals(d.getString("status")),
                    Duration.ofSeconds(90));
            List<HttpReceiver.Hit> hits = receiver.hits();
            Set<String> ids = hits.stream().map(h -> h.header("webhook-id")).collect(Collectors.toSet());
            assertEquals(Set.of(webhookId), ids, "every attempt carries the same webhook-id");
            assertEquals(1, hits.stream().map(HttpReceiver.Hit::body).distinct().count(), "the same signed body");
            List<Integer> codes = done.getList("attemptLog.statusCode", Integer.class);
            assertEquals(hits.size(), codes.size(), "one recorded attempt per request the receiver saw: " + codes);
            assertEquals(503, codes.get(0));
            assertEquals(200, codes.get(codes.size() - 1));
            Instant lastAttempt = Instant.parse(done.getString("attemptLog[-1].attemptedAt"));
            assertTrue(lastAttempt.isAfter(killedAt), "the successful attempt came from the restarted process: "
                    + lastAttempt + " vs kill at " + killedAt);
        }
    }

    private static JsonPath awaitDelivery(String token, String api, String id,
            java.util.function.Predicate<JsonPath> done, Duration timeout) throws InterruptedException {
        Instant end = Instant.now().plus(timeout);
        JsonPath last = null;
        while (Instant.now().isBefore(end)) {
            var r = given().auth().oauth2(token).get(api + "/webhook-deliveries/" + id);
            if (r.statusCode() == 200) {
                last = r.jsonPath();
                if (done.test(last)) {
                    return last;
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError("delivery " + id + " did not reach the expected state: "
                + (last == null ? "no answer" : last.prettify()));
    }
}

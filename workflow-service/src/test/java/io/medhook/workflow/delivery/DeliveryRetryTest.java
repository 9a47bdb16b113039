package io.medhook.workflow.delivery;

import static io.medhook.workflow.WorkflowTestSupport.auditEvents;
import static io.medhook.workflow.WorkflowTestSupport.count;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.delivery.DeliveryTestSupport.awaitDelivery;
import static io.medhook.workflow.delivery.DeliveryTestSupport.delivery;
import static io.medhook.workflow.delivery.DeliveryTestSupport.endpoint;
import static io.medhook.workflow.delivery.DeliveryTestSupport.message;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.medhook.workflow.WorkflowConfig;
import io.medhook.workflow.egress.EgressClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.core.Vertx;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retries, failures and recovery with time moved by the test: dispatchers built here over the service's real
 * store, egress client and database, each with a {@link MovableClock}; receivers are real HTTP servers (the Node
 * {@code standardwebhooks} receiver, or {@link HttpReceiver}). Nothing sleeps for a retry delay.
 */
@QuarkusTest
@TestProfile(DispatcherOffProfile.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class DeliveryRetryTest {

    @Inject
    DeliveryStore store;
    @Inject
    WebhookEndpointService endpoints;
    @Inject
    EndpointCrypto crypto;
    @Inject
    EgressClient egress;
    @Inject
    Vertx vertx;
    @Inject
    WorkflowConfig config;

    static NodeWebhookReceiver node;
    private final List<DeliveryDispatcher> started = new ArrayList<>();

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

    @AfterEach
    void stopDispatchers() {
        started.forEach(DeliveryDispatcher::stop);
    }

    private DeliveryDispatcher dispatcher(MovableClock clock, String worker) {
        DeliveryDispatcher d = new DeliveryDispatcher(store, endpoints, crypto, egress, vertx, config.delivery(),
                clock, worker);
        started.add(d);
        d.start();
        return d;
    }

    private static MovableClock clockAfterNow() {
        return new MovableClock(Instant.now().plusSeconds(1).truncatedTo(java.time.temporal.ChronoUnit.MICROS));
    }

    private static List<JsonNode> hitsTo(String path) throws Exception {
        return node.hits().stream().filter(h -> h.get("path").asText().equals(path)).toList();
    }

    private static JsonPath awaitAttempts(String ws, String token, String id, int n) throws InterruptedException {
        return awaitDelivery(ws, token, id, j -> j.getInt("attempts") >= n && !"delivering".equals(j.getString(
                "status")), Duration.ofSeconds(20));
    }

    private static Instant instant(JsonPath j, String path) {
        return Instant.parse(j.getString(path));
    }

    @Test
    void aReceiverThatIsDownThenRecoversGetsEveryMessageOnceWithStableIdsAndVerifiableSignatures() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String path = "/down/" + UUID.randomUUID();
        var ep = endpoint(ws, editor, Map.of("url", node.url(path), "eventTypes", List.of("adt.a01")));
        String secret = ep.getString("secret");
        node.configure(Map.of("secrets", List.of(secret), "status", 200, "delayMs", 0, "down", true));
        try {
            List<String> ids = new ArrayList<>();
            List<String> msgIds = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                JsonPath m = message(ws, editor, "adt.a01", Map.of("seq", i));
                ids.add(m.getString("deliveryIds[0]"));
                msgIds.add(m.getString("msgId"));
            }
            MovableClock clock = clockAfterNow();
            dispatcher(clock, "w-down");
            // attempt 1 (immediately), 2 (+5 s), 3 (+5 min) find the receiver down
            List<Duration> waits = List.of(Duration.ofSeconds(6), Duration.ofMinutes(6));
            for (int attempt = 1; attempt <= 3; attempt++) {
                Instant attemptAt = clock.instant();
                for (String id : ids) {
                    JsonPath d = awaitAttempts(ws, editor, id, attempt);
                    assertEquals("pending", d.getString("status"));
                    assertEquals("connection_error", d.getString("attemptLog[" + (attempt - 1) + "].errorType"));
                    assertNull(d.get("attemptLog[" + (attempt - 1) + "].statusCode"));
                    Duration scheduled = attempt == 1 ? Duration.ofSeconds(5)
                            : attempt == 2 ? Duration.ofMinutes(5) : Duration.ofMinutes(30);
                    Duration gap = Duration.between(attemptAt, instant(d, "nextAttemptAt"));
                    assertTrue(gap.toMillis() >= scheduled.toMillis() * 0.9 - 1
                            && gap.toMillis() <= scheduled.toMillis() * 1.1 + 1,
                            "retry " + attempt + " scheduled " + gap + " after, schedule says " + scheduled + " ±10 %");
                }
                if (attempt < 3) {
                    clock.advance(waits.get(attempt - 1));
                }
            }
            assertEquals(0, hitsTo(path).size());

            node.configure(Map.of("down", false));
            clock.advance(Duration.ofMinutes(34));
            long fourthAt = clock.instant().getEpochSecond();
            for (int i = 0; i < ids.size(); i++) {
                JsonPath d = awaitAttempts(ws, editor, ids.get(i), 4);
                assertEquals("succeeded", d.getString("status"));
                assertEquals(4, d.getInt("attempts"));
                assertEquals(List.of("connection_error", "connection_error", "connection_error"),
                        d.getList("attemptLog.errorType").subList(0, 3));
                assertEquals(200, d.getInt("attemptLog[3].statusCode"));
                assertNull(d.get("attemptLog[3].errorType"));
                assertEquals(msgIds.get(i), d.getString("msgId"));
            }
            List<JsonNode> hits = hitsTo(path);
            assertEquals(5, hits.size(), "every message arrived, none twice");
            Set<String> seen = new HashSet<>();
            for (JsonNode h : hits) {
                assertTrue(msgIds.contains(h.get("id").asText()));
                assertTrue(seen.add(h.get("id").asText()));
                assertEquals(fourthAt, h.get("timestamp").asLong(), "webhook-timestamp is the attempt's time");
                assertTrue(h.get("results").get(0).get("signed").asBoolean(),
                        "the package's signature matches (its timestamp check runs on real time: this one is "
                                + "~40 minutes ahead)");
                assertEquals("Message timestamp too new", h.get("results").get(0).get("verify").asText());
            }
        } finally {
            node.configure(Map.of("down", false));
        }
    }

    @Test
    void serverErrorsAreRetriedWithTheSameIdAndRetryAfterIsHonouredInSecondsAndAsADateAndCapped() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            var ep = endpoint(ws, editor, Map.of("url", r.url("/r"), "eventTypes", List.of("*"),
                    "retrySchedule", List.of(0, 1, 1, 1, 1)));
            String secret = ep.getString("secret");
            r.respond(h -> new HttpReceiver.Reply(500, Map.of(), "boom"));
            String id = message(ws, editor, "x.y", Map.of("a", 1)).getString("deliveryIds[0]");
            MovableClock clock = clockAfterNow();
            DeliveryDispatcher first = dispatcher(clock, "w-500-a");
            JsonPath d = awaitAttempts(ws, editor, id, 1);
            assertEquals(500, d.getInt("attemptLog[0].statusCode"));
            assertEquals("http_error", d.getString("attemptLog[0].errorType"));
            assertEquals("boom", d.getString("attemptLog[0].responseBody"));

            // a restart between attempts: this dispatcher goes, a new one (another worker id) carries on from the
            // database alone
            first.stop();
            dispatcher(clock, "w-500-b");
            r.respond(h -> new HttpReceiver.Reply(503, Map.of("Retry-After", "120"), ""));
            clock.advance(Duration.ofSeconds(2));
            Instant at2 = clock.instant();
            d = awaitAttempts(ws, editor, id, 2);
            assertEquals(503, d.getInt("attemptLog[1].statusCode"));
            assertEquals(Duration.ofSeconds(120), Duration.between(at2, instant(d, "nextAttemptAt")),
                    "Retry-After in seconds, later than the schedule's 1 s, wins");

            clock.advance(Duration.ofSeconds(121));
            Instant at3 = clock.instant();
            String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(at3.plusSeconds(300).atOffset(ZoneOffset.UTC));
            r.respond(h -> new HttpReceiver.Reply(429, Map.of("Retry-After", date), ""));
            d = awaitAttempts(ws, editor, id, 3);
            assertEquals(at3.plusSeconds(300).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                    instant(d, "nextAttemptAt"), "Retry-After as an HTTP date (whole seconds)");

            clock.advance(Duration.ofSeconds(301));
            Instant at4 = clock.instant();
            r.respond(h -> new HttpReceiver.Reply(503, Map.of("Retry-After", "999999"), ""));
            d = awaitAttempts(ws, editor, id, 4);
            assertEquals(config.delivery().retryAfterMax(), Duration.between(at4, instant(d, "nextAttemptAt")),
                    "a Retry-After beyond the cap is cut to it");

            clock.advance(Duration.ofHours(1).plusSeconds(1));
            r.respond(h -> HttpReceiver.Reply.ok());
            d = awaitAttempts(ws, editor, id, 5);
            assertEquals("succeeded", d.getString("status"));
            assertEquals(List.of(500, 503, 429, 503, 200), d.getList("attemptLog.statusCode"));
            List<HttpReceiver.Hit> hits = r.hits();
            assertEquals(5, hits.size());
            Set<String> timestamps = new HashSet<>();
            for (HttpReceiver.Hit h : hits) {
                assertEquals(d.getString("msgId"), h.header("webhook-id"), "webhook-id is stable across retries");
                long ts = Long.parseLong(h.header("webhook-timestamp"));
                timestamps.add(h.header("webhook-timestamp"));
                assertTrue(StandardWebhooks.verify(secret, h.header("webhook-id"), ts,
                        h.body().getBytes(java.nio.charset.StandardCharsets.UTF_8), h.header("webhook-signature")));
            }
            assertEquals(5, timestamps.size(), "each attempt is signed at its own time");
            assertEquals(1, auditEvents("webhook_delivery.succeed", "webhook_delivery", id).size());
        }
    }

    @Test
    void exhaustedRetriesFailTheDeliveryIntoTheFailedViewAndAnEndpointFailingForDaysIsDisabledAndAudited()
            throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> new HttpReceiver.Reply(500, Map.of(), ""));
            var ep = endpoint(ws, editor, Map.of("url", r.url("/x"), "eventTypes", List.of("*"),
                    "retrySchedule", List.of(0, 60, 3600)));
            String endpointId = ep.getString("id");
            String id = message(ws, editor, "x.y", Map.of("a", 1)).getString("deliveryIds[0]");
            MovableClock clock = clockAfterNow();
            dispatcher(clock, "w-exhaust");
            awaitAttempts(ws, editor, id, 1);
            clock.advance(Duration.ofSeconds(70));
            awaitAttempts(ws, editor, id, 2);
            clock.advance(Duration.ofMinutes(70));
            JsonPath d = awaitAttempts(ws, editor, id, 3);
            assertEquals("failed", d.getString("status"));
            assertEquals(3, d.getInt("attempts"));
            assertEquals(3, r.hits().size());
            assertEquals(List.of(id), given().auth().oauth2(editor).queryParam("status", "failed")
                    .get("/api/v1/workspaces/" + ws + "/webhook-deliveries").then().statusCode(200)
                    .extract().jsonPath().getList("items.id"));
            assertEquals(1, auditEvents("webhook_delivery.fail", "webhook_delivery", id).size());
            given().auth().oauth2(editor).get(DeliveryTestSupport.endpoints(ws) + "/" + endpointId)
                    .then().statusCode(200).body("enabled", org.hamcrest.Matchers.equalTo(true))
                    .body("failingSince", org.hamcrest.Matchers.notNullValue());

            // still failing five days after the first failure: the next failed attempt disables the endpoint
            clock.advance(Duration.ofDays(5));
            String later = message(ws, editor, "x.y", Map.of("a", 2)).getString("deliveryIds[0]");
            awaitAttempts(ws, editor, later, 1);
            JsonPath view = given().auth().oauth2(editor).get(DeliveryTestSupport.endpoints(ws) + "/" + endpointId)
                    .then().statusCode(200).extract().jsonPath();
            assertFalse(view.getBoolean("enabled"));
            assertEquals("failing", view.getString("disabledReason"));
            List<JsonNode> disabled = auditEvents("webhook_endpoint.disable", "webhook_endpoint", endpointId);
            assertEquals(1, disabled.size());
            assertEquals("failure", disabled.get(0).get("outcome").asText());
            assertEquals("system", disabled.get(0).get("actor").get("type").asText());
        }
    }

    @Test
    void a410DisablesTheEndpointAndLaterDeliveriesWaitUntilItIsEnabledAgain() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> new HttpReceiver.Reply(410, Map.of(), "gone"));
            var ep = endpoint(ws, editor, Map.of("url", r.url("/gone"), "eventTypes", List.of("*")));
            String endpointId = ep.getString("id");
            String id = message(ws, editor, "x.y", Map.of("a", 1)).getString("deliveryIds[0]");
            MovableClock clock = clockAfterNow();
            dispatcher(clock, "w-410");
            JsonPath d = awaitAttempts(ws, editor, id, 1);
            assertEquals("failed", d.getString("status"), "no retry after 410");
            assertEquals("gone", d.getString("attemptLog[0].errorType"));
            JsonPath view = given().auth().oauth2(editor).get(DeliveryTestSupport.endpoints(ws) + "/" + endpointId)
                    .then().statusCode(200).extract().jsonPath();
            assertFalse(view.getBoolean("enabled"));
            assertEquals("gone", view.getString("disabledReason"));
            assertEquals(1, auditEvents("webhook_endpoint.disable", "webhook_endpoint", endpointId).size());

            // a disabled endpoint subscribes to nothing: a message creates no delivery for it
            assertEquals(0, message(ws, editor, "x.y", Map.of("a", 2)).getList("deliveryIds").size());
            // enabled again, it receives the redelivery of what failed
            r.respond(h -> HttpReceiver.Reply.ok());
            given().auth().oauth2(editor).contentType("application/json").body(Map.of("enabled", true))
                    .put(DeliveryTestSupport.endpoints(ws) + "/" + endpointId).then().statusCode(200)
                    .body("enabled", org.hamcrest.Matchers.equalTo(true));
            given().auth().oauth2(editor).post("/api/v1/workspaces/" + ws + "/webhook-deliveries/" + id
                    + "/redeliver").then().statusCode(200);
            clock.advance(Duration.ofMinutes(1));
            d = awaitAttempts(ws, editor, id, 2);
            assertEquals("succeeded", d.getString("status"));
            assertEquals("redelivery", d.getString("attemptLog[1].cause"));
            assertEquals(r.hits().get(0).header("webhook-id"), r.hits().get(1).header("webhook-id"));
        }
    }

    @Test
    void aSlowReceiverTimesOutAndASecondEndpointIsNotHeldUpByIt() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String slowPath = "/slow/" + UUID.randomUUID();
        node.configure(Map.of("secrets", List.of(), "status", 200, "delayMs", 2500, "down", false));
        try (HttpReceiver fast = HttpReceiver.start("127.0.0.2")) {
            var slow = endpoint(ws, editor, Map.of("url", node.url(slowPath), "eventTypes", List.of("slow"),
                    "timeoutSeconds", 1, "retrySchedule", List.of(0, 3600)));
            endpoint(ws, editor, Map.of("url", fast.url("/fast"), "eventTypes", List.of("fast")));
            List<String> slowIds = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                slowIds.add(message(ws, editor, "slow", Map.of("i", i)).getString("deliveryIds[0]"));
            }
            List<String> fastIds = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                fastIds.add(message(ws, editor, "fast", Map.of("i", i)).getString("deliveryIds[0]"));
            }
            MovableClock clock = clockAfterNow();
            Instant started = Instant.now();
            dispatcher(clock, "w-slow");
            for (String id : fastIds) {
                awaitDelivery(ws, editor, id, j -> "succeeded".equals(j.getString("status")), Duration.ofSeconds(10));
            }
            long fastMs = Duration.between(started, Instant.now()).toMillis();
            assertTrue(fastMs < 900, "the fast endpoint's deliveries went out before any slow attempt could end ("
                    + fastMs + " ms)");
            int inFlight = count("select count(*) from webhook_delivery where endpoint_id = '" + slow.getString("id")
                    + "' and status = 'delivering'");
            assertTrue(inFlight >= 1 && inFlight <= config.delivery().endpointConcurrency(),
                    "the slow endpoint holds at most its bound: " + inFlight);
            for (String id : slowIds) {
                JsonPath d = awaitAttempts(ws, editor, id, 1);
                assertEquals("timeout", d.getString("attemptLog[0].errorType"));
                assertNull(d.get("attemptLog[0].statusCode"));
                assertTrue(d.getInt("attemptLog[0].latencyMs") >= 950, "latency is recorded");
                assertEquals("pending", d.getString("status"));
            }
        } finally {
            node.configure(Map.of("delayMs", 0));
        }
    }

    @Test
    void deliveriesClaimedByADeadWorkerAreReclaimedOnlyAfterTheLeaseExpires() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            endpoint(ws, editor, Map.of("url", r.url("/lease"), "eventTypes", List.of("*")));
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(message(ws, editor, "x.y", Map.of("i", i)).getString("deliveryIds[0]"));
            }
            MovableClock clock = clockAfterNow();
            // a replica claims them and dies before sending: its leases are all that is left of it
            List<DeliveryStore.Claimed> claimed = store.claim("dead-worker", 100, 100, clock.instant(),
                    clock.instant().plus(config.delivery().lease())).await().atMost(Duration.ofSeconds(10));
            Set<String> mine = new HashSet<>(ids);
            assertEquals(3, claimed.stream().filter(c -> mine.contains(c.id().toString())).count());
            for (String id : ids) {
                assertEquals("delivering", delivery(ws, editor, id).getString("status"));
            }
            dispatcher(clock, "w-survivor");
            Thread.sleep(500);
            assertEquals(0, r.hits().size(), "leased rows are not taken while the lease runs");
            clock.advance(config.delivery().lease().plusSeconds(1));
            for (String id : ids) {
                JsonPath d = awaitAttempts(ws, editor, id, 1);
                assertEquals("succeeded", d.getString("status"));
                assertEquals(1, d.getInt("attempts"), "the dead worker recorded no attempt");
            }
            assertEquals(3, r.hits().size());
        }
    }

    @Test
    void redeliveryKeepsTheWebhookIdCoversAllFailedSinceATimeIsAuditedAndRateLimited() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> new HttpReceiver.Reply(500, Map.of(), ""));
            var ep = endpoint(ws, editor, Map.of("url", r.url("/re"), "eventTypes", List.of("*"),
                    "retrySchedule", List.of(0)));
            String endpointId = ep.getString("id");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(message(ws, editor, "x.y", Map.of("i", i)).getString("deliveryIds[0]"));
            }
            MovableClock clock = clockAfterNow();
            dispatcher(clock, "w-redeliver");
            for (String id : ids) {
                assertEquals("failed", awaitAttempts(ws, editor, id, 1).getString("status"));
            }
            r.respond(h -> HttpReceiver.Reply.ok());
            String base = "/api/v1/workspaces/" + ws;
            given().auth().oauth2(editor).contentType("application/json")
                    .body(Map.of("since", clock.instant().minusSeconds(60).toString()))
                    .post(base + "/webhook-endpoints/" + endpointId + "/redeliver-failed")
                    .then().statusCode(202).body("queued", org.hamcrest.Matchers.equalTo(3));
            clock.advance(Duration.ofMinutes(1));
            for (String id : ids) {
                JsonPath d = awaitAttempts(ws, editor, id, 2);
                assertEquals("succeeded", d.getString("status"));
                assertEquals("redelivery", d.getString("attemptLog[1].cause"));
            }
            Map<String, Long> perId = new java.util.HashMap<>();
            r.hits().forEach(h -> perId.merge(h.header("webhook-id"), 1L, Long::sum));
            assertEquals(3, perId.size());
            assertTrue(perId.values().stream().allMatch(n -> n == 2), "each message twice, with its own id");
            assertEquals(1, auditEvents("webhook_endpoint.redeliver_failed", "webhook_endpoint", endpointId).size());

            // a single redelivery of a succeeded delivery is allowed and audited; one still pending is a 409
            given().auth().oauth2(editor).post(base + "/webhook-deliveries/" + ids.get(0) + "/redeliver")
                    .then().statusCode(200).body("msgId", org.hamcrest.Matchers.startsWith("msg_"));
            assertEquals(1, auditEvents("webhook_delivery.redeliver", "webhook_delivery", ids.get(0)).size());
            // the limit (10 a minute per workspace): two used, eight more pass or 409, then 429 problem+json
            int statusSeen = 0;
            for (int i = 0; i < 8; i++) {
                statusSeen = given().auth().oauth2(editor).post(base + "/webhook-deliveries/" + ids.get(1)
                        + "/redeliver").then().extract().statusCode();
                assertTrue(statusSeen == 200 || statusSeen == 409, "got " + statusSeen);
            }
            given().auth().oauth2(editor).post(base + "/webhook-deliveries/" + ids.get(1) + "/redeliver")
                    .then().statusCode(429).contentType("application/problem+json")
                    .body("status", org.hamcrest.Matchers.equalTo(429));
            given().auth().oauth2(token(ws, "viewer")).post(base + "/webhook-deliveries/" + ids.get(1)
                    + "/redeliver").then().statusCode(403);
        }
    }

    @Test
    void anEndpointsRateLimitHoldsBackDeliveriesWithoutCountingAttempts() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            endpoint(ws, editor, Map.of("url", r.url("/rl"), "eventTypes", List.of("*"), "rateLimit", 2));
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ids.add(message(ws, editor, "x.y", Map.of("i", i)).getString("deliveryIds[0]"));
            }
            MovableClock clock = clockAfterNow();
            dispatcher(clock, "w-rate");
            for (int second = 1; second <= 3; second++) {
                int expected = 2 * second;
                r.await(expected, Duration.ofSeconds(10));
                Thread.sleep(400);
                assertEquals(expected, r.hits().size(), "2 per second of the (moved) clock, no more");
                clock.advance(Duration.ofSeconds(1));
            }
            for (String id : ids) {
                JsonPath d = awaitAttempts(ws, editor, id, 1);
                assertEquals("succeeded", d.getString("status"));
                assertEquals(1, d.getInt("attempts"), "being held back is not an attempt");
            }
        }
    }

    @Test
    void aRedirectIsNotFollowedButCountsAsAFailedAttempt() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> h.path().equals("/moved") ? new HttpReceiver.Reply(307, Map.of("Location", "/elsewhere"),
                    "") : HttpReceiver.Reply.ok());
            endpoint(ws, editor, Map.of("url", r.url("/moved"), "eventTypes", List.of("*"),
                    "retrySchedule", List.of(0)));
            String id = message(ws, editor, "x.y", Map.of("a", 1)).getString("deliveryIds[0]");
            dispatcher(clockAfterNow(), "w-redirect");
            JsonPath d = awaitAttempts(ws, editor, id, 1);
            assertEquals("failed", d.getString("status"));
            assertEquals(307, d.getInt("attemptLog[0].statusCode"));
            assertEquals("http_error", d.getString("attemptLog[0].errorType"));
            assertEquals(List.of("/moved"), r.hits().stream().map(HttpReceiver.Hit::path).toList(),
                    "the signed body went nowhere but the endpoint's URL");
        }
    }
}

package io.medhook.workflow.delivery;

import static io.medhook.workflow.WorkflowTestSupport.awaitLatch;
import static io.medhook.workflow.WorkflowTestSupport.count;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.sleepQuietly;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.delivery.DeliveryTestSupport.awaitDelivery;
import static io.medhook.workflow.delivery.DeliveryTestSupport.endpoint;
import static io.medhook.workflow.delivery.DeliveryTestSupport.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.medhook.workflow.WorkflowConfig;
import io.medhook.workflow.egress.EgressClient;
import io.medhook.workflow.engine.InFlight;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.core.Vertx;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Shutdown drain of the delivery dispatcher: dispatchers built here (the service's own is off), each a replica with its
 * own worker id, over the real store, egress client, database and a real HTTP receiver.
 */
@QuarkusTest
@TestProfile(DispatcherOffProfile.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class DeliveryDrainTest {

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

    private final List<DeliveryDispatcher> started = new ArrayList<>();
    /** Ahead of real time so that every delivery a test creates is due; never moved past a lease. */
    private MovableClock clock;

    @BeforeEach
    void clock() {
        clock = new MovableClock(Instant.now().plusSeconds(30).truncatedTo(ChronoUnit.MICROS));
    }

    @AfterEach
    void stopDispatchers() {
        started.forEach(DeliveryDispatcher::stop);
    }

    private DeliveryDispatcher dispatcher(String worker) {
        DeliveryDispatcher d = new DeliveryDispatcher(store, endpoints, crypto, egress, vertx, config.delivery(),
                clock, worker + "-" + UUID.randomUUID());
        started.add(d);
        return d;
    }

    /** Claims due deliveries for {@code owner} and returns the one with this id. */
    private DeliveryStore.Claimed claim(String owner, String id) {
        return store.claim(owner, 200, 200, clock.instant(), clock.instant().plus(config.delivery().lease()))
                .await().atMost(Duration.ofSeconds(10)).stream().filter(c -> c.id().toString().equals(id))
                .findFirst().orElseThrow(() -> new AssertionError(owner + " could not claim " + id));
    }

    private static String owner(String id) throws Exception {
        try (var c = PostgresTestResource.jdbc(); var ps = c.prepareStatement(
                "select coalesce(lease_owner, '<none>') from webhook_delivery where id = ?::uuid")) {
            ps.setString(1, id);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    @Test
    void handBackFreesOnlyTheLeasesThisWorkerStillHolds() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        endpoint(ws, editor, Map.of("url", "http://127.0.0.2:9/never", "eventTypes", List.of("*")));
        String mine = message(ws, editor, "x.y", Map.of("i", 1)).getString("deliveryIds[0]");
        String stopping = "stopping-" + UUID.randomUUID();
        claim(stopping, mine);
        String theirs = message(ws, editor, "x.y", Map.of("i", 2)).getString("deliveryIds[0]");
        String other = "other-" + UUID.randomUUID();
        claim(other, theirs);

        int handedBack = store.handBack(stopping, List.of(UUID.fromString(mine), UUID.fromString(theirs)))
                .await().atMost(Duration.ofSeconds(10));

        assertEquals(1, handedBack);
        assertEquals("<none>", owner(mine));
        assertEquals(other, owner(theirs), "another worker's lease is untouched");
        // another replica takes it at once (the clock is not moved past the 60 s lease); no attempt was counted
        String next = "next-" + UUID.randomUUID();
        claim(next, mine);
        assertEquals(next, owner(mine));
        assertEquals(other, owner(theirs));
        assertEquals(1, count("select count(*) from webhook_delivery where id = '" + mine
                + "' and status = 'delivering' and attempts = 0"));
    }

    @Test
    void drainWaitsForASendThatIsAnsweredInTime() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(hit -> {
                sleepQuietly(400);
                return HttpReceiver.Reply.ok();
            });
            endpoint(ws, editor, Map.of("url", r.url("/slow"), "eventTypes", List.of("*")));
            String id = message(ws, editor, "x.y", Map.of("i", 1)).getString("deliveryIds[0]");
            DeliveryDispatcher stopping = dispatcher("stopping");
            stopping.launch(claim(stopping.workerId(), id));

            long t0 = System.nanoTime();
            InFlight.Drained drained = stopping.drain(Duration.ofSeconds(15));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

            assertEquals(new InFlight.Drained(1, 0), drained);
            assertTrue(tookMs < 10_000, "returned when the send was recorded, not at the timeout: " + tookMs + " ms");
            assertEquals(1, count("select count(*) from webhook_delivery where id = '" + id
                    + "' and status = 'succeeded' and attempts = 1"));
        }
    }

    @Test
    void drainHandsBackASendStillInFlightAndAnotherReplicaSendsItAgainAtOnce() throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        CountDownLatch answer = new CountDownLatch(1);
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(hit -> {
                awaitLatch(answer);
                return HttpReceiver.Reply.ok();
            });
            endpoint(ws, editor, Map.of("url", r.url("/held"), "eventTypes", List.of("*"), "timeoutSeconds", 30));
            String id = message(ws, editor, "x.y", Map.of("i", 1)).getString("deliveryIds[0]");
            DeliveryDispatcher stopping = dispatcher("stopping");
            stopping.launch(claim(stopping.workerId(), id));
            assertEquals(1, r.await(1, Duration.ofSeconds(10)).size(), "the send is in flight");

            long t0 = System.nanoTime();
            InFlight.Drained drained = stopping.drain(Duration.ofMillis(500));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

            assertEquals(new InFlight.Drained(0, 1), drained);
            assertTrue(tookMs >= 500 && tookMs < 10_000, "waited the drain timeout: " + tookMs + " ms");
            assertEquals(0, stopping.inFlight());
            assertEquals("<none>", owner(id));

            // the cut-off send records nothing once the receiver answers
            answer.countDown();
            Thread.sleep(1000);
            assertEquals(1, count("select count(*) from webhook_delivery where id = '" + id
                    + "' and status = 'delivering' and attempts = 0"), "the abandoned attempt was not recorded");

            // another replica sends it at once, with the same webhook-id (the clock stays within the old lease)
            dispatcher("next").start();
            JsonPath d = awaitDelivery(ws, editor, id, j -> "succeeded".equals(j.getString("status")),
                    Duration.ofSeconds(10));
            assertEquals(1, d.getInt("attempts"));
            List<HttpReceiver.Hit> hits = r.hits();
            assertEquals(2, hits.size());
            assertEquals(hits.get(0).header("webhook-id"), hits.get(1).header("webhook-id"));
        }
    }
}

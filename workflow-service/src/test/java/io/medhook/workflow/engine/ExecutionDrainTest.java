package io.medhook.workflow.engine;

import static io.medhook.workflow.WorkflowTestSupport.awaitLatch;
import static io.medhook.workflow.WorkflowTestSupport.count;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.httpWorkflow;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.run;
import static io.medhook.workflow.WorkflowTestSupport.sleepQuietly;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.engine.NodeTestSupport.node;
import static io.medhook.workflow.engine.NodeTestSupport.workflow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.medhook.workflow.WorkflowConfig;
import io.medhook.workflow.execution.EngineDisabledProfile;
import io.medhook.workflow.execution.ExecutionStore;
import io.medhook.workflow.workflow.WorkflowService;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Shutdown drain. The engine is disabled on this replica, so only the test claims; each drain runs on an engine
 * instance of its own (a replica being stopped), with its own worker id, never on the application's engine.
 */
@QuarkusTest
@TestProfile(EngineDisabledProfile.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class ExecutionDrainTest {

    private static final Duration LEASE = Duration.ofSeconds(30);

    @Inject
    ExecutionStore store;

    @Inject
    ExecutionEngine engine;

    @Inject
    PayloadCrypto crypto;

    @Inject
    WorkflowService workflows;

    @Inject
    Instance<NodeRunner> runners;

    @Inject
    ObjectMapper json;

    @Inject
    Vertx vertx;

    @Inject
    WorkflowConfig config;

    /** Another replica's engine, stopped (never claims on its own). */
    private ExecutionEngine replica() {
        return new ExecutionEngine(store, crypto, workflows, runners, json, vertx, config);
    }

    private ExecutionStore.Claimed claim(String owner, String eid) {
        return claimed(owner, eid).stream().filter(c -> c.id().toString().equals(eid)).findFirst()
                .orElseThrow(() -> new AssertionError(owner + " could not claim " + eid));
    }

    private List<ExecutionStore.Claimed> claimed(String owner, String eid) {
        return store.claim(owner, 1000, LEASE, engine.limits()).await().atMost(Duration.ofSeconds(10));
    }

    private static String owner(String eid) throws Exception {
        try (var c = PostgresTestResource.jdbc(); var ps = c.prepareStatement(
                "select coalesce(lease_owner, '<none>') from execution where id = ?::uuid")) {
            ps.setString(1, eid);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    @Test
    void handBackFreesOnlyTheLeasesThisWorkerStillHolds() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String wf = create(ws, t, workflow(List.of(node("a", "wait", Map.of("seconds", 1))), List.of()))
                .getString("id");
        String stopping = "stopping-" + UUID.randomUUID();
        String other = "other-" + UUID.randomUUID();
        String mine = run(ws, t, wf, Map.of());
        claim(stopping, mine);
        String theirs = run(ws, t, wf, Map.of());
        claim(other, theirs);

        int handedBack = store.handBack(stopping, List.of(UUID.fromString(mine), UUID.fromString(theirs)))
                .await().atMost(Duration.ofSeconds(10));

        assertEquals(1, handedBack, "only the stopping worker's own lease");
        assertEquals("<none>", owner(mine));
        assertEquals(other, owner(theirs), "another worker's lease is untouched");
        assertEquals(1, count("select count(*) from execution where id = '" + mine
                + "' and status = 'running' and lease_until < now()"), "still running, its lease already lapsed");
        // another replica takes it at once, not after the 30 s lease; the other worker's execution stays with it
        String next = "next-" + UUID.randomUUID();
        List<ExecutionStore.Claimed> taken = claimed(next, mine);
        assertTrue(taken.stream().anyMatch(c -> c.id().toString().equals(mine)), "claimable at once");
        assertTrue(taken.stream().noneMatch(c -> c.id().toString().equals(theirs)), "a held lease is not taken");
        assertEquals(next, owner(mine));
        assertEquals(1, count("select count(*) from execution where id = '" + mine + "' and attempts = 2"));
        // the stopping worker no longer owns it: a late hand-back changes nothing
        assertEquals(0, store.handBack(stopping, List.of(UUID.fromString(mine))).await().atMost(Duration.ofSeconds(10)));
        assertEquals(next, owner(mine));
    }

    @Test
    void drainWaitsForAnExecutionThatEndsInTime() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver receiver = HttpReceiver.start("127.0.0.2")) {
            receiver.respond(hit -> {
                sleepQuietly(400);
                return HttpReceiver.Reply.ok();
            });
            String eid = run(ws, t, create(ws, t, httpWorkflow(receiver.url("/slow"))).getString("id"), Map.of());
            ExecutionEngine stopping = replica();
            stopping.launch(claim(stopping.workerId(), eid));

            long t0 = System.nanoTime();
            InFlight.Drained drained = stopping.drain(Duration.ofSeconds(15));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

            assertEquals(new InFlight.Drained(1, 0), drained);
            assertTrue(tookMs < 10_000, "returned when the execution ended, not at the timeout: " + tookMs + " ms");
            assertEquals(1, count("select count(*) from execution where id = '" + eid
                    + "' and status = 'succeeded' and lease_owner is null"));
            assertEquals(1, receiver.hits().size());
        }
    }

    @Test
    void drainHandsBackAnExecutionStillRunningAtTheTimeoutAndAnotherReplicaResumesIt() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        CountDownLatch answer = new CountDownLatch(1);
        try (HttpReceiver receiver = HttpReceiver.start("127.0.0.2")) {
            receiver.respond(hit -> {
                awaitLatch(answer);
                return HttpReceiver.Reply.ok();
            });
            String eid = run(ws, t, create(ws, t, httpWorkflow(receiver.url("/held"))).getString("id"), Map.of());
            ExecutionEngine stopping = replica();
            stopping.launch(claim(stopping.workerId(), eid));
            assertEquals(1, receiver.await(1, Duration.ofSeconds(10)).size(), "the step is in flight");

            long t0 = System.nanoTime();
            InFlight.Drained drained = stopping.drain(Duration.ofMillis(500));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

            assertEquals(new InFlight.Drained(0, 1), drained);
            assertTrue(tookMs >= 500 && tookMs < 10_000, "waited the drain timeout: " + tookMs + " ms");
            assertTrue(!stopping.holds(UUID.fromString(eid)), "no worker slot held after the hand-back");
            assertEquals("<none>", owner(eid));

            // the cut-off walk writes nothing more once its request is answered
            answer.countDown();
            Thread.sleep(1000);
            assertEquals(1, count("select count(*) from execution_step where execution_id = '" + eid
                    + "' and node_id = 'send' and status = 'running'"), "the abandoned step was not recorded");
            assertEquals(1, count("select count(*) from execution where id = '" + eid + "' and status = 'running'"));

            // another replica claims it at once and resumes at the unfinished step, with the same idempotency key
            ExecutionStore.Claimed resumed = claim(engine.workerId(), eid);
            engine.run(resumed).await().atMost(Duration.ofSeconds(20));
            assertEquals(1, count("select count(*) from execution where id = '" + eid
                    + "' and status = 'succeeded' and attempts = 2"));
            List<HttpReceiver.Hit> hits = receiver.hits();
            assertEquals(2, hits.size(), "the cut-off step ran again");
            assertEquals(hits.get(0).header("Idempotency-Key"), hits.get(1).header("Idempotency-Key"));
        }
    }
}

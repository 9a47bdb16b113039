package io.medhook.workflow.engine;

import static io.medhook.workflow.WorkflowTestSupport.awaitTerminal;
import static io.medhook.workflow.WorkflowTestSupport.count;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.WorkflowTestSupport.trigger;
import static io.medhook.workflow.engine.NodeTestSupport.node;
import static io.medhook.workflow.engine.NodeTestSupport.post;
import static io.medhook.workflow.engine.NodeTestSupport.workflow;
import static io.medhook.workflow.engine.ParallelNodeTest.branch;
import static io.medhook.workflow.engine.ParallelNodeTest.parallel;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.medhook.workflow.execution.EngineDisabledProfile;
import io.medhook.workflow.execution.ExecutionStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A worker dies while one branch of a parallel node is still in flight (its run is abandoned, its lease expires);
 * another worker claims the execution and runs only that branch again. The engine is disabled on this replica so the
 * test drives both workers itself.
 */
@QuarkusTest
@TestProfile(EngineDisabledProfile.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class ParallelResumeTest {

    @Inject
    ExecutionEngine engine;

    @Inject
    ExecutionStore store;

    @Test
    void anotherWorkerRunsOnlyTheBranchesThatHadNotFinished() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        CountDownLatch release = new CountDownLatch(1);
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> {
                if (h.path().equals("/slow") && release.getCount() > 0) {
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return HttpReceiver.Reply.ok();
            });
            JsonPath wf = create(ws, t, workflow(List.of(node("fan", "parallel", parallel(List.of(
                    branch("a", "http", post(r.url("/a"))), branch("b", "http", post(r.url("/b"))),
                    branch("slow", "http", post(r.url("/slow")))), 3, null))), List.of()));
            String eid = trigger(wf.getString("webhookUrl"), "{}");

            List<ExecutionStore.Claimed> first = store.claim("worker-that-dies", 10, Duration.ofSeconds(30),
                    engine.limits()).await().atMost(Duration.ofSeconds(10));
            ExecutionStore.Claimed mine = first.stream().filter(c -> c.id().toString().equals(eid)).findFirst()
                    .orElseThrow();
            Cancellable dying = engine.run(mine).subscribe().with(x -> {
            }, f -> {
            });
            r.await(3, Duration.ofSeconds(10));
            String recorded = "select count(*) from execution_step where execution_id = '" + eid
                    + "' and node_id in ('fan#a', 'fan#b') and status = 'succeeded'";
            Instant end = Instant.now().plusSeconds(10);
            while (count(recorded) < 2 && Instant.now().isBefore(end)) {
                Thread.sleep(20);
            }
            assertEquals(2, count(recorded), "a and b finished and were recorded while slow is in flight");
            dying.cancel();
            try (Connection c = PostgresTestResource.jdbc()) {
                c.createStatement().executeUpdate("update execution set lease_until = now() - interval '1 second' "
                        + "where id = '" + eid + "'");
            }
            List<ExecutionStore.Claimed> second = store.claim(engine.workerId(), 10, Duration.ofSeconds(30),
                    engine.limits()).await().atMost(Duration.ofSeconds(10));
            ExecutionStore.Claimed resumed = second.stream().filter(c -> c.id().toString().equals(eid)).findFirst()
                    .orElseThrow();
            release.countDown();
            engine.run(resumed).await().atMost(Duration.ofSeconds(20));

            JsonPath ex = awaitTerminal(ws, t, eid);
            assertEquals("succeeded", ex.getString("status"));
            List<String> paths = r.hits().stream().map(HttpReceiver.Hit::path).sorted().toList();
            assertEquals(List.of("/a", "/b", "/slow", "/slow"), paths, "a and b were not sent again");
            List<HttpReceiver.Hit> slow = r.hits().stream().filter(h -> h.path().equals("/slow")).toList();
            assertEquals(eid + ":fan#slow", slow.get(0).header("Idempotency-Key"));
            assertEquals(slow.get(0).header("Idempotency-Key"), slow.get(1).header("Idempotency-Key"),
                    "the branch in flight is sent again under the same idempotency key");
            assertEquals(200, ex.getInt("steps.find { it.nodeId == 'fan' }.output.a.status"));
            assertEquals(200, ex.getInt("steps.find { it.nodeId == 'fan' }.output.slow.status"));
        }
    }
}

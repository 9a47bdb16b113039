package io.medhook.workflow.engine;

import static io.medhook.workflow.WorkflowTestSupport.awaitTerminal;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.WorkflowTestSupport.trigger;
import static io.medhook.workflow.engine.NodeTestSupport.node;
import static io.medhook.workflow.engine.NodeTestSupport.post;
import static io.medhook.workflow.engine.NodeTestSupport.workflow;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A worker dies in the middle of a loop (its run is abandoned and its lease expires); another worker claims the
 * execution and continues at the first item that did not finish. The engine is disabled on this replica so the test
 * drives both workers itself.
 */
@QuarkusTest
@TestProfile(EngineDisabledProfile.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class LoopResumeTest {

    @Inject
    ExecutionEngine engine;

    @Inject
    ExecutionStore store;

    @Test
    void anotherWorkerResumesALoopAtTheFirstUnfinishedItemAfterALeaseLoss() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        CountDownLatch release = new CountDownLatch(1);
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> {
                if (h.body().equals("3") && release.getCount() > 0) {
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return HttpReceiver.Reply.ok();
            });
            JsonPath wf = create(ws, t, workflow(List.of(node("each", "loop", Map.of("items", "body",
                    "body", Map.of("type", "http", "params", post(r.url("/i")))))), List.of()));
            String eid = trigger(wf.getString("webhookUrl"), "[1,2,3,4]");

            List<ExecutionStore.Claimed> first = store.claim("worker-that-dies", 10, Duration.ofSeconds(30), engine.limits())
                    .await().atMost(Duration.ofSeconds(10));
            ExecutionStore.Claimed mine = first.stream().filter(c -> c.id().toString().equals(eid)).findFirst()
                    .orElseThrow();
            Cancellable dying = engine.run(mine).subscribe().with(x -> {
            }, f -> {
            });
            r.await(3, Duration.ofSeconds(10));
            dying.cancel();
            try (Connection c = PostgresTestResource.jdbc()) {
                c.createStatement().executeUpdate("update execution set lease_until = now() - interval '1 second' "
                        + "where id = '" + eid + "'");
            }
            List<ExecutionStore.Claimed> second = store.claim(engine.workerId(), 10, Duration.ofSeconds(30), engine.limits())
                    .await().atMost(Duration.ofSeconds(10));
            ExecutionStore.Claimed resumed = second.stream().filter(c -> c.id().toString().equals(eid)).findFirst()
                    .orElseThrow();
            release.countDown();
            engine.run(resumed).await().atMost(Duration.ofSeconds(20));

            JsonPath ex = awaitTerminal(ws, t, eid);
            assertEquals("succeeded", ex.getString("status"));
            List<String> bodies = r.hits().stream().map(HttpReceiver.Hit::body).toList();
            assertEquals(List.of("1", "2", "3", "3", "4"), bodies, "items 0 and 1 were not sent again");
            List<HttpReceiver.Hit> third = r.hits().stream().filter(h -> h.body().equals("3")).toList();
            assertEquals(eid + ":each#2", third.get(0).header("Idempotency-Key"));
            assertEquals(third.get(0).header("Idempotency-Key"), third.get(1).header("Idempotency-Key"),
                    "the item in flight is sent again under the same idempotency key");
            assertEquals(4, ex.getList("steps.find { it.nodeId == 'each' }.output").size());
        }
    }
}

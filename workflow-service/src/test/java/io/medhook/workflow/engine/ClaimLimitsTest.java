package io.medhook.workflow.engine;

import static io.medhook.workflow.WorkflowTestSupport.count;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.run;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.engine.NodeTestSupport.node;
import static io.medhook.workflow.engine.NodeTestSupport.workflow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.medhook.workflow.execution.EngineDisabledProfile;
import io.medhook.workflow.execution.ExecutionStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Many claims at once, as from many replicas (each with its own owner id), against one workspace: the per-workflow and
 * per-workspace limits hold exactly, and the oldest executions are the ones taken. The engine is disabled on this
 * replica so only the test claims.
 */
@QuarkusTest
@TestProfile(EngineDisabledProfile.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class ClaimLimitsTest {

    @Inject
    ExecutionStore store;

    @Inject
    ExecutionEngine engine;

    @Test
    void concurrentClaimsNeverExceedTheWorkflowOrWorkspaceLimit() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        Map<String, Object> limited = workflow(List.of(node("a", "wait", Map.of("seconds", 1))), List.of());
        limited.put("settings", Map.of("maxConcurrency", 3));
        String a = create(ws, t, limited).getString("id");
        String b = create(ws, t, workflow(List.of(node("a", "wait", Map.of("seconds", 1))), List.of()))
                .getString("id");
        List<String> aIds = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            aIds.add(run(ws, t, a, Map.of("n", i)));
            run(ws, t, b, Map.of("n", i));
        }
        // this workspace may run 5 at once (an override); others keep the default of 50
        ExecutionStore.Limits limits = new ExecutionStore.Limits(Duration.ofHours(1), Duration.ofHours(24), 50,
                Map.of(ws, 5));
        List<CompletableFuture<List<ExecutionStore.Claimed>>> claims = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            claims.add(store.claim("replica-" + i, 10, Duration.ofSeconds(60), limits)
                    .subscribeAsCompletionStage());
        }
        CompletableFuture.allOf(claims.toArray(CompletableFuture[]::new)).get();

        assertEquals(3, count("select count(*) from execution where status = 'running' and workflow_id = '" + a + "'"),
                "workflow limit");
        assertEquals(5, count("select count(*) from execution where status = 'running' and workspace_id = '" + ws
                + "'"), "workspace limit");
        assertEquals(15, count("select count(*) from execution where status = 'queued' and workspace_id = '" + ws
                + "'"), "the rest stay queued");
        for (int i = 0; i < 3; i++) {
            assertEquals(1, count("select count(*) from execution where status = 'running' and id = '" + aIds.get(i)
                    + "'"), "oldest first: " + i);
        }
        assertEquals(5, count("select count(*) from execution where workspace_id = '" + ws
                + "' and status = 'running' and deadline_at = started_at + interval '1 hour'"), "default deadline");

        // another round changes nothing while they all still run
        store.claim("replica-x", 10, Duration.ofSeconds(60), limits).await().indefinitely();
        assertEquals(5, count("select count(*) from execution where status = 'running' and workspace_id = '" + ws
                + "'"));
    }

    @Test
    void aCrashedReplicasExecutionKeepsItsDeadlineAndTimesOutWhenResumed() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        Map<String, Object> wf = workflow(List.of(node("a", "wait", Map.of("seconds", 1))), List.of());
        wf.put("settings", Map.of("timeoutSeconds", 1));
        String eid = run(ws, t, create(ws, t, wf).getString("id"), Map.of());
        ExecutionStore.Limits limits = engine.limits();
        List<ExecutionStore.Claimed> first = store.claim("replica-that-dies", 1000, Duration.ofSeconds(1), limits)
                .await().indefinitely();
        assertEquals(1, first.stream().filter(c -> c.id().toString().equals(eid)).count());
        Thread.sleep(1500);
        ExecutionStore.Claimed again = store.claim(engine.workerId(), 1000, Duration.ofSeconds(30), limits)
                .await().indefinitely().stream().filter(c -> c.id().toString().equals(eid)).findFirst().orElseThrow();
        assertEquals(1, count("select count(*) from execution where id = '" + eid
                + "' and attempts = 2 and deadline_at = started_at + interval '1 second'"), "deadline not moved");
        engine.run(again).await().indefinitely();
        assertEquals(1, count("select count(*) from execution where id = '" + eid
                + "' and status = 'timed_out' and error_type = 'timeout'"));
        assertEquals(0, count("select count(*) from execution_step where execution_id = '" + eid + "'"),
                "no step ran after the deadline");
    }
}

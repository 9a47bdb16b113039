package io.medhook.workflow.schedule;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.workflow.WorkflowConfig;
import io.medhook.workflow.engine.ExecutionEngine;
import io.medhook.workflow.engine.PayloadCrypto;
import io.medhook.workflow.execution.ExecutionStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;
import io.medhook.common.problem.SafeThrowables;

/**
 * Runs {@link ScheduleRunner} every {@code medhook.workflow.schedule.interval} on every replica (one pass at a time per
 * replica); wakes the local engine when it enqueued something.
 */
@ApplicationScoped
public class ScheduleLoop {

    private static final Logger LOG = Logger.getLogger(ScheduleLoop.class);

    private final ScheduleRunner runner;
    private final ExecutionEngine engine;
    private final Vertx vertx;
    private final WorkflowConfig.Schedule config;
    private final AtomicBoolean busy = new AtomicBoolean();
    private long timer = -1;

    public ScheduleLoop(ExecutionStore store, PayloadCrypto crypto, ObjectMapper json, Clock clock,
            ExecutionEngine engine, Vertx vertx, WorkflowConfig config) {
        this.config = config.schedule();
        this.runner = new ScheduleRunner(store, crypto, json, clock, this.config.misfireThreshold(),
                this.config.catchUpLimit(), this.config.batchSize());
        this.engine = engine;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent ev) {
        if (!config.enabled()) {
            LOG.info("scheduler disabled on this replica");
            return;
        }
        timer = vertx.setPeriodic(config.interval().toMillis(), id -> pass());
        LOG.infof("scheduler started: every %d ms", config.interval().toMillis());
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private void pass() {
        if (!busy.compareAndSet(false, true)) {
            return;
        }
        runner.fireDue().subscribe().with(n -> {
            busy.set(false);
            if (n > 0) {
                engine.wake();
            }
        }, f -> {
            busy.set(false);
            LOG.warnf("firing schedules failed: %s", SafeThrowables.describe(f));
        });
    }
}

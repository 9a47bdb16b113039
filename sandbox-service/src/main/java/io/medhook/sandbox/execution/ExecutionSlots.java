package io.medhook.sandbox.execution;

import io.medhook.sandbox.SandboxConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Admission control: a fixed set of platform threads (the concurrent executions) in front of a bounded queue (the
 * executions allowed to wait). When both are full a submission fails at once with {@link SandboxBusyException}, so
 * load is shed instead of piling up. Guest code never runs on a Vert.x event-loop thread or a virtual thread.
 */
@Singleton
public class ExecutionSlots {

    private final ThreadPoolExecutor pool;
    /** Permits for running plus waiting executions; the pool's own queue is unbounded behind it. */
    private final Semaphore admitted;

    public ExecutionSlots(SandboxConfig config, MeterRegistry registry) {
        int threads = config.concurrency().executions() > 0 ? config.concurrency().executions()
                : 2 * Runtime.getRuntime().availableProcessors();
        int waiting = Math.max(0, config.concurrency().queue());
        // Admission is counted here, not by a bounded work queue: with idle threads already started, a bounded queue
        // can be momentarily full before a worker takes the previous task and would refuse work while slots are free.
        this.admitted = new Semaphore(threads + waiting);
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                new Named("sandbox-exec"), new ThreadPoolExecutor.AbortPolicy());
        Gauge.builder("medhook.sandbox.executions.active", pool, ThreadPoolExecutor::getActiveCount)
                .description("Executions running now").register(registry);
        Gauge.builder("medhook.sandbox.executions.queued", pool, p -> p.getQueue().size())
                .description("Executions waiting for a slot").register(registry);
        Gauge.builder("medhook.sandbox.executions.slots", pool, ThreadPoolExecutor::getMaximumPoolSize)
                .description("Executions that may run at once").register(registry);
    }

    /** Runs {@code work} on an execution thread; fails with {@link SandboxBusyException} when slots and queue are full. */
    <T> CompletionStage<T> submit(Supplier<T> work) {
        if (!admitted.tryAcquire()) {
            throw new SandboxBusyException();
        }
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return work.get();
                } finally {
                    admitted.release();
                }
            }, pool);
        } catch (RejectedExecutionException e) {
            admitted.release();
            throw new SandboxBusyException();
        }
    }

    /** How many executions may run at once. */
    int slots() {
        return pool.getMaximumPoolSize();
    }

    @PreDestroy
    void shutdown() {
        pool.shutdownNow();
    }

    /** Daemon platform threads with a readable name. */
    static final class Named implements ThreadFactory {
        private final String prefix;
        private final AtomicInteger next = new AtomicInteger();

        Named(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public Thread newThread(Runnable r) {
            return Thread.ofPlatform().name(prefix + "-" + next.incrementAndGet()).daemon(true).unstarted(r);
        }
    }
}

package io.medhook.sandbox.execution;

import com.sun.management.GarbageCollectionNotificationInfo;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.jboss.logging.Logger;

/**
 * What the JVM's garbage collector says about the heap: after every young or full collection, how many bytes are still
 * in use. That is the only point at which the JVM tells live data from garbage, and {@link MemoryMeter} uses it to
 * bound what a running script can still hold. Also the thread counters that the meters read.
 */
@Singleton
public class HeapWatch {

    private static final Logger LOG = Logger.getLogger(HeapWatch.class);

    /**
     * One collection: {@code seq} counts collections seen since start, {@code usedAfter} is the heap in use right after
     * it (live data plus whatever the collector left for later, so an upper bound of live data), {@code full} whether
     * it was a full collection (then {@code usedAfter} holds no garbage; after a young one the old generation may).
     */
    record GcPoint(long seq, long usedAfter, boolean full) {

        GcPoint(long seq, long usedAfter) {
            this(seq, usedAfter, false);
        }
    }

    private final com.sun.management.ThreadMXBean threads;
    private final Set<String> heapPools;
    private final List<MemoryPoolMXBean> youngPools;
    private final long maxHeap;
    private final List<Consumer<GcPoint>> listeners = new CopyOnWriteArrayList<>();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener onGc = this::onGc;
    private volatile GcPoint last = new GcPoint(0, 0);
    private volatile GcPoint lastFull = new GcPoint(0, 0, true);
    private final AtomicBoolean collecting = new AtomicBoolean();
    private final AtomicLong lastRequested = new AtomicLong(System.nanoTime());
    private final AtomicLong requested = new AtomicLong();

    public HeapWatch() {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t)
                || !t.isThreadAllocatedMemorySupported()) {
            throw new IllegalStateException("This JVM cannot count the bytes a thread allocates; sandbox-service needs "
                    + "it to limit script memory (use a HotSpot-based JDK)");
        }
        this.threads = t;
        if (!threads.isThreadAllocatedMemoryEnabled()) {
            threads.setThreadAllocatedMemoryEnabled(true);
        }
        if (threads.isThreadCpuTimeSupported() && !threads.isThreadCpuTimeEnabled()) {
            threads.setThreadCpuTimeEnabled(true);
        }
        List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        this.heapPools = pools.stream().map(MemoryPoolMXBean::getName).collect(Collectors.toUnmodifiableSet());
        // where new objects go: "G1 Eden Space", "Eden Space", "PS Eden Space", "ZGC Young Generation", ...
        this.youngPools = pools.stream()
                .filter(p -> p.getName().contains("Eden") || p.getName().contains("Young")).toList();
        this.maxHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(onGc, null, null);
                emitters.add(emitter);
            }
        }
        if (emitters.isEmpty()) {
            LOG.warn("No garbage collection notifications: script memory is estimated from allocations alone");
        }
    }

    private void onGc(Notification notification, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                (CompositeData) notification.getUserData());
        // a concurrent cycle (G1 "end of concurrent GC pause") does not empty the young generation: not a point where
        // what a script allocated before has been sorted into live and dead
        if (info.getGcAction() != null && info.getGcAction().contains("concurrent")) {
            return;
        }
        long used = 0;
        for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                used += pool.getValue().getUsed();
            }
        }
        GcPoint point;
        synchronized (this) {
            point = new GcPoint(last.seq() + 1, used, info.getGcAction() != null
                    && info.getGcAction().contains("major"));
            last = point;
            if (point.full()) {
                lastFull = point;
            }
        }
        for (Consumer<GcPoint> listener : listeners) {
            listener.accept(point);
        }
    }

    /**
     * Runs {@code System.gc()} on {@code executor} unless one is running or the last one was requested less than
     * {@code minInterval} ago; true if it was requested. Under G1 that is a full collection: it also frees the old
     * generation's garbage, so the next {@link GcPoint} is exact.
     */
    boolean requestCollection(long minIntervalNanos, Executor executor) {
        if (minIntervalNanos <= 0) {
            return false;
        }
        long now = System.nanoTime();
        long previous = lastRequested.get();
        if (now - previous < minIntervalNanos || !lastRequested.compareAndSet(previous, now)) {
            return false;
        }
        if (!collecting.compareAndSet(false, true)) {
            return false;
        }
        requested.incrementAndGet();
        executor.execute(() -> {
            try {
                System.gc();
            } finally {
                collecting.set(false);
            }
        });
        return true;
    }

    /** Collections requested by {@link #requestCollection} since start. */
    long requestedCollections() {
        return requested.get();
    }

    /** The most recent collection; {@code seq} 0 and {@code usedAfter} 0 before the first one. */
    GcPoint last() {
        return last;
    }

    /** The most recent full collection; {@code seq} 0 before the first one. */
    GcPoint lastFull() {
        return lastFull;
    }

    /** Called after every young or full collection, on the JVM's notification thread: must not block. */
    void onCollection(Consumer<GcPoint> listener) {
        listeners.add(listener);
    }

    /** The heap's maximum size in bytes. */
    long maxHeap() {
        return maxHeap;
    }

    /** How much the young generation can take before the next young collection, in bytes (0 if unknown). */
    long youngCapacity() {
        long bytes = 0;
        for (MemoryPoolMXBean pool : youngPools) {
            bytes += Math.max(0, pool.getUsage().getCommitted());
        }
        return bytes;
    }

    /** Bytes allocated so far by the thread with this id, or -1 when it has ended. */
    long allocatedBytes(long threadId) {
        return threads.getThreadAllocatedBytes(threadId);
    }

    /** Bytes allocated so far by the calling thread. */
    long allocatedBytes() {
        return threads.getCurrentThreadAllocatedBytes();
    }

    /** CPU time of the calling thread in nanoseconds, or -1 when the JVM cannot measure it. */
    long cpuNanos() {
        return threads.isThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : -1;
    }

    @PreDestroy
    void close() {
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(onGc);
            } catch (ListenerNotFoundException e) {
                // already gone
            }
        }
    }
}

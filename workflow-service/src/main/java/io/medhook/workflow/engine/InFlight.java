package io.medhook.workflow.engine;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The leased work one worker runs now (the execution engine's walks, the delivery dispatcher's sends): how many, by
 * id with a handle to stop each, and the drain both do on shutdown: stop claiming (the owner's part), wait until
 * nothing runs and no claim is on its way or the time is up, then stop what still runs so its lease can be handed back.
 */
public final class InFlight {

    private static final Logger LOG = Logger.getLogger(InFlight.class);

    /** What a drain did: units that ended on their own within the timeout; leases handed back of those still going. */
    public record Drained(int ended, int handedBack) {
    }

    private final Map<UUID, Cancellable> work = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger endedWhileDraining = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile boolean handingBack;
    private final Object idle = new Object();

    /** Units running now. */
    public int count() {
        return running.get();
    }

    public boolean isEmpty() {
        return work.isEmpty();
    }

    public boolean contains(UUID id) {
        return work.containsKey(id);
    }

    /** The ids running now (for lease renewal). */
    public List<UUID> ids() {
        return List.copyOf(work.keySet());
    }

    /**
     * Starts a unit: counted at once, registered under {@code id}; {@code start} subscribes it and returns its handle
     * (the unit may already have ended by then, which {@link #ended} sorts out).
     */
    public void start(UUID id, java.util.function.Supplier<Cancellable> start) {
        running.incrementAndGet();
        Cancellable pending = () -> {
        };
        work.put(id, pending);
        Cancellable handle = start.get();
        work.replace(id, pending, handle);
    }

    /** A unit ended on its own; false when it had been stopped and handed back meanwhile (nothing to record then). */
    public boolean ended(UUID id) {
        if (work.remove(id) == null) {
            return false;
        }
        running.decrementAndGet();
        if (draining.get()) {
            endedWhileDraining.incrementAndGet();
        }
        return true;
    }

    /** Wakes a drain waiting for idleness once nothing runs and {@code claiming} is false. */
    public void signalIfIdle(boolean stopped, boolean claiming) {
        if (stopped && running.get() == 0 && !claiming) {
            synchronized (idle) {
                idle.notifyAll();
            }
        }
    }

    /**
     * Drains, the owner having stopped claiming: waits, blocking the calling thread, until nothing runs and
     * {@code claiming} says no claim is on its way, or {@code timeout} has passed; from then on {@link #handingBack}
     * is true (claims still arriving are to be handed back unrun); stops every unit still running and hands their
     * leases back with {@code handBack} (one statement of the owner's store). {@code what} names the units in the log
     * line written when the hand-back fails (their leases then lapse after {@code lease}).
     */
    public Drained drain(Duration timeout, AtomicBoolean claiming, Function<List<UUID>, Uni<Integer>> handBack,
            String what, Duration lease) {
        draining.set(true);
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (idle) {
            long left;
            while ((running.get() > 0 || claiming.get()) && (left = deadline - System.nanoTime()) > 0) {
                try {
                    idle.wait(Math.max(1, Math.min(50, left / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        handingBack = true;
        List<UUID> still = ids();
        for (UUID id : still) {
            Cancellable handle = work.remove(id);
            if (handle != null) {
                running.decrementAndGet();
                handle.cancel();
            }
        }
        int handedBack = 0;
        if (!still.isEmpty()) {
            try {
                handedBack = handBack.apply(still).await().atMost(Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                LOG.warnf("handing back %d %s leases failed (they lapse after %s): %s", still.size(), what, lease,
                        e.getClass().getSimpleName());
            }
        }
        return new Drained(endedWhileDraining.get(), handedBack);
    }

    /** Whether a drain has given up waiting: claims arriving now are handed back unrun. */
    public boolean handingBack() {
        return handingBack;
    }

    /** Units that ended on their own while a drain waited. */
    public int endedWhileDraining() {
        return endedWhileDraining.get();
    }
}

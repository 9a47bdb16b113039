package io.medhook.sandbox.execution;

import io.medhook.sandbox.execution.HeapWatch.GcPoint;

/**
 * Estimates, from outside and without stopping it, how much heap one execution holds. The JVM has no per-thread or
 * per-context heap limit (GraalVM's {@code sandbox.MaxHeapMemory} needs Oracle GraalVM), so the watchdog samples:
 *
 * <ul>
 *   <li>the bytes the execution's thread has allocated since the run began
 *       ({@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}): everything the run can possibly hold, and
 *       most of it garbage, since the interpreter allocates hundreds of megabytes per second in ordinary loops;</li>
 *   <li>after every young or full garbage collection, the heap in use ({@link HeapWatch}): what the run held before
 *       that collection can be no more than the growth of the heap since the run began.</li>
 * </ul>
 *
 * The estimate therefore adds every allocation and is cut down, at every collection, to the heap's growth since the
 * run began. It is an upper bound while this run is the only one whose memory grows; with concurrent runs, their
 * growth is counted for each of them (capped by what each allocated). Growth is measured from the last collection
 * before the run; for a full collection from the lower of that and the last full collection before the run, because
 * after a young collection the old generation may still count garbage that a full collection then frees (which would
 * hide what the run holds). Two limits apply:
 *
 * <ul>
 *   <li><b>held</b>: more than the budget survived a collection (the estimate right after it is over the budget);</li>
 *   <li><b>unconfirmed</b>: the estimate exceeds the budget plus the larger of the budget and the current
 *       young-generation size. Garbage of a busy loop piles up to at most the young generation before a young
 *       collection clears it, so only a run that holds the memory, or allocates objects too big for the young
 *       generation, gets there.</li>
 * </ul>
 *
 * While the estimate is over the budget without a verdict, {@link ScriptRunner} requests a collection
 * (rate-limited), so that the first rule can decide instead of waiting for the JVM's own next collection.
 *
 * <p>One watchdog task samples a meter; {@link #estimate()} may be read from any thread.
 */
final class MemoryMeter {

    enum Verdict {
        WITHIN,
        OVER
    }

    private final long budget;
    private final long baseline;
    private final long fullBaseline;
    private long seenGc;
    private long lastAllocated;
    private volatile long estimate;
    private long peak;

    /**
     * @param budget bytes the run may hold
     * @param allocatedAtStart the thread's allocation counter when the run began
     * @param gcAtStart the most recent collection when the run began
     * @param fullGcAtStart the most recent full collection when the run began ({@code seq} 0 if none)
     */
    MemoryMeter(long budget, long allocatedAtStart, GcPoint gcAtStart, GcPoint fullGcAtStart) {
        this.budget = budget;
        this.lastAllocated = allocatedAtStart;
        this.seenGc = gcAtStart.seq();
        // before the first collection nothing is known about live data: a baseline of 0 over-estimates, never under
        this.baseline = gcAtStart.seq() == 0 ? 0 : gcAtStart.usedAfter();
        this.fullBaseline = fullGcAtStart.seq() == 0 ? baseline : Math.min(baseline, fullGcAtStart.usedAfter());
    }

    MemoryMeter(long budget, long allocatedAtStart, GcPoint gcAtStart) {
        this(budget, allocatedAtStart, gcAtStart, new GcPoint(0, 0, true));
    }

    /**
     * One sample.
     *
     * @param allocatedNow the thread's allocation counter now
     * @param gc the most recent collection now
     * @param youngCapacity the current size of the young generation, 0 if unknown
     */
    Verdict sample(long allocatedNow, GcPoint gc, long youngCapacity) {
        long allocated = Math.max(0, allocatedNow - lastAllocated);
        lastAllocated = Math.max(lastAllocated, allocatedNow);
        boolean held = false;
        if (gc.seq() != seenGc) {
            // the collection happened after the previous sample: everything counted so far existed before it
            seenGc = gc.seq();
            long survived = Math.min(estimate, Math.max(0, gc.usedAfter() - (gc.full() ? fullBaseline : baseline)));
            held = survived > budget;
            estimate = survived;
        }
        long now = estimate + allocated;
        estimate = now;
        peak = Math.max(peak, now);
        if (held || now > budget + Math.max(budget, youngCapacity)) {
            return Verdict.OVER;
        }
        return Verdict.WITHIN;
    }

    /** The current estimate in bytes. */
    long estimate() {
        return estimate;
    }

    /** The highest estimate so far. */
    long peak() {
        return peak;
    }
}

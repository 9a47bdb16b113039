package io.medhook.sandbox.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.medhook.sandbox.execution.HeapWatch.GcPoint;
import io.medhook.sandbox.execution.MemoryMeter.Verdict;
import org.junit.jupiter.api.Test;

class MemoryMeterTest {

    private static final long MB = 1 << 20;
    private static final long BUDGET = 100 * MB;
    private static final long YOUNG = 150 * MB;
    private static final GcPoint BEFORE = new GcPoint(7, 500 * MB);

    @Test
    void countsAllocationsBetweenCollections() {
        MemoryMeter meter = new MemoryMeter(BUDGET, 1_000, BEFORE);
        assertEquals(Verdict.WITHIN, meter.sample(1_000 + 30 * MB, BEFORE, YOUNG));
        assertEquals(30 * MB, meter.estimate());
    }

    @Test
    void forgetsGarbageThatACollectionFreed() {
        MemoryMeter meter = new MemoryMeter(BUDGET, 0, BEFORE);
        // a busy loop: 240 MiB allocated, but the heap grew by only 2 MiB across the collection
        assertEquals(Verdict.WITHIN, meter.sample(240 * MB, BEFORE, YOUNG));
        assertEquals(Verdict.WITHIN, meter.sample(250 * MB, new GcPoint(8, 502 * MB), YOUNG));
        assertEquals(2 * MB + 10 * MB, meter.estimate());
        assertEquals(240 * MB, meter.peak());
    }

    @Test
    void stopsARunThatHoldsMoreThanItsBudgetAcrossACollection() {
        MemoryMeter meter = new MemoryMeter(BUDGET, 0, BEFORE);
        assertEquals(Verdict.WITHIN, meter.sample(120 * MB, BEFORE, YOUNG));
        assertEquals(Verdict.OVER, meter.sample(121 * MB, new GcPoint(8, 500 * MB + 110 * MB), YOUNG));
    }

    @Test
    void neverCountsMoreThanTheRunAllocated() {
        MemoryMeter meter = new MemoryMeter(BUDGET, 0, BEFORE);
        // the heap grew by 300 MiB (other runs), but this run allocated only 40 MiB
        assertEquals(Verdict.WITHIN, meter.sample(40 * MB, BEFORE, YOUNG));
        assertEquals(Verdict.WITHIN, meter.sample(40 * MB, new GcPoint(8, 800 * MB), YOUNG));
        assertEquals(40 * MB, meter.estimate());
    }

    @Test
    void stopsARunThatAllocatesBeyondWhatTheYoungGenerationCouldHoldAsGarbage() {
        MemoryMeter meter = new MemoryMeter(BUDGET, 0, BEFORE);
        assertEquals(Verdict.WITHIN, meter.sample(BUDGET + YOUNG, BEFORE, YOUNG));
        assertEquals(Verdict.OVER, meter.sample(BUDGET + YOUNG + 1, BEFORE, YOUNG));
    }

    @Test
    void allowsAtLeastTwiceTheBudgetWhenTheYoungGenerationIsSmall() {
        MemoryMeter meter = new MemoryMeter(BUDGET, 0, BEFORE);
        assertEquals(Verdict.WITHIN, meter.sample(2 * BUDGET, BEFORE, 10 * MB));
        assertEquals(Verdict.OVER, meter.sample(2 * BUDGET + 1, BEFORE, 10 * MB));
    }

    @Test
    void assumesNothingWasFreedBeforeTheFirstCollection() {
        MemoryMeter meter = new MemoryMeter(BUDGET, 0, new GcPoint(0, 0));
        assertEquals(Verdict.WITHIN, meter.sample(90 * MB, new GcPoint(0, 0), YOUNG));
        // heap in use after the first collection is all counted as growth (capped by what the run allocated)
        assertEquals(Verdict.WITHIN, meter.sample(95 * MB, new GcPoint(1, 60 * MB), YOUNG));
        assertEquals(60 * MB + 5 * MB, meter.estimate());
    }

    @Test
    void judgesAFullCollectionAgainstTheLastFullCollectionBeforeTheRun() {
        // the young collection before the run still counted 200 MiB of old-generation garbage
        MemoryMeter meter = new MemoryMeter(BUDGET, 0, new GcPoint(7, 300 * MB), new GcPoint(5, 100 * MB, true));
        assertEquals(Verdict.WITHIN, meter.sample(120 * MB, new GcPoint(7, 300 * MB), YOUNG));
        // the full collection frees that garbage: the run's 110 MiB show against the last full collection
        assertEquals(Verdict.OVER, meter.sample(120 * MB, new GcPoint(8, 210 * MB, true), YOUNG));
    }

    @Test
    void judgesYoungCollectionsAgainstTheLastCollectionBeforeTheRun() {
        MemoryMeter meter = new MemoryMeter(BUDGET, 0, new GcPoint(7, 300 * MB), new GcPoint(5, 100 * MB, true));
        assertEquals(Verdict.WITHIN, meter.sample(120 * MB, new GcPoint(7, 300 * MB), YOUNG));
        // the old generation still holds the same garbage after a young collection: only 20 MiB are new
        assertEquals(Verdict.WITHIN, meter.sample(120 * MB, new GcPoint(8, 320 * MB), YOUNG));
        assertEquals(20 * MB, meter.estimate());
    }

    @Test
    void ignoresAThreadThatHasEnded() {
        MemoryMeter meter = new MemoryMeter(BUDGET, 10 * MB, BEFORE);
        assertEquals(Verdict.WITHIN, meter.sample(-1, BEFORE, YOUNG));
        assertEquals(0, meter.estimate());
    }
}

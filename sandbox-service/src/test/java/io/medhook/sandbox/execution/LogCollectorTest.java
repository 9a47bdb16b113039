package io.medhook.sandbox.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LogCollectorTest {

    @Test
    void keepsEntriesUntilTheCapThenCutsAndFlags() {
        LogCollector logs = new LogCollector(10);
        logs.add("abcd"); // 4 + 1
        assertFalse(logs.truncated());
        logs.add("efghijk"); // 4 bytes of room left
        logs.add("never");
        assertEquals(List.of("abcd", "efgh"), logs.entries());
        assertTrue(logs.truncated());
    }

    @Test
    void chargesEveryEntrySoEmptyLinesCannotPileUp() {
        LogCollector logs = new LogCollector(3);
        for (int i = 0; i < 10; i++) {
            logs.add("");
        }
        assertEquals(3, logs.entries().size());
        assertTrue(logs.truncated());
    }

    @Test
    void neverSplitsACodePoint() {
        assertEquals("é", LogCollector.prefixWithin("éé", 3));
        assertEquals("", LogCollector.prefixWithin("😀", 3));
        assertEquals("😀", LogCollector.prefixWithin("😀x", 4));
    }
}

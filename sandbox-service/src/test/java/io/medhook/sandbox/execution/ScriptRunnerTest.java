package io.medhook.sandbox.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ScriptRunnerTest {

    private static final Duration LIMIT = Duration.ofSeconds(5);

    @Test
    void usesTheServiceLimitWhenTheRequestNamesNone() {
        assertEquals(LIMIT, ScriptRunner.effectiveTimeout(null, LIMIT));
    }

    @Test
    void letsRequestsLowerTheTimeout() {
        assertEquals(Duration.ofMillis(300), ScriptRunner.effectiveTimeout(300, LIMIT));
    }

    @Test
    void neverLetsRequestsRaiseTheTimeout() {
        assertEquals(LIMIT, ScriptRunner.effectiveTimeout(600_000, LIMIT));
    }

    @Test
    void letsRequestsOnlyLowerTheMemoryBudget() {
        assertEquals(128L << 20, ScriptRunner.effectiveMemory(null, 128L << 20));
        assertEquals(8L << 20, ScriptRunner.effectiveMemory(8L << 20, 128L << 20));
        assertEquals(128L << 20, ScriptRunner.effectiveMemory(Long.MAX_VALUE, 128L << 20));
        MedhookException e = assertThrows(MedhookException.class, () -> ScriptRunner.effectiveMemory(0L, 1L));
        assertEquals(ErrorKind.BAD_REQUEST, e.kind());
    }

    @Test
    void rejectsTimeoutsBelowOneMillisecond() {
        MedhookException e = assertThrows(MedhookException.class, () -> ScriptRunner.effectiveTimeout(0, LIMIT));
        assertEquals(ErrorKind.BAD_REQUEST, e.kind());
    }
}

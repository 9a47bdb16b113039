package io.medhook.sandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The decision from launch flags and probe results; the inputs are what Truffle 25.0.3 really reports. */
class RuntimeStatusTest {

    private static final String UPGRADE_JAR = "file:///opt/medhook/graal-compiler/compiler-25.0.3.jar";
    private static final String JDK_PLACEHOLDER = "jrt:/jdk.graal.compiler";
    private static final String JDK = "25.0.4+7-LTS";

    private static final LaunchFlags OPTIMIZED_FLAGS = new LaunchFlags(true, UPGRADE_JAR, JDK);
    private static final LaunchFlags PLAIN_FLAGS = new LaunchFlags(false, JDK_PLACEHOLDER, JDK);

    private static final RuntimeProbe.Result COMPILED = new RuntimeProbe.Result("GraalVM CE", "", true, null);
    private static final String VERSION_CHECK_WARNING = """
            The polyglot engine uses a fallback runtime that does not support runtime compilation to native code.
            Execution without runtime compilation will negatively impact the guest application performance.
            The following cause was found: Version check failed.
            The Graal compiler version '24.2.2' is incompatible with polyglot version '25.0.3'.
            Update the compiler version to '25.0.3' to resolve this.

            For more information see: https://www.graalvm.org/latest/reference-manual/embed-languages/.
            To disable this warning use the '--engine.WarnInterpreterOnly=false' option.""";

    private static RuntimeProbe.Result interpreted(String log) {
        return new RuntimeProbe.Result("Interpreted", log, false, null);
    }

    @Test
    void reportsTheOptimizingRuntimeWhenTheProbeWasCompiled() {
        RuntimeStatus s = RuntimeStatus.assess(OPTIMIZED_FLAGS, COMPILED);
        assertEquals(RuntimeMode.OPTIMIZED, s.requested());
        assertEquals(RuntimeMode.OPTIMIZED, s.actual());
        assertTrue(s.asRequested());
        assertTrue(s.reason().contains(UPGRADE_JAR), s.reason());
    }

    @Test
    void acceptsTheInterpreterWhenNoJvmciFlagsWereGiven() {
        RuntimeStatus s = RuntimeStatus.assess(PLAIN_FLAGS, interpreted(""));
        assertEquals(RuntimeMode.INTERPRETER, s.requested());
        assertEquals(RuntimeMode.INTERPRETER, s.actual());
        assertTrue(s.asRequested());
    }

    @Test
    void flagsAFallbackAfterAVersionCheckFailureWithTruffleCause() {
        RuntimeStatus s = RuntimeStatus.assess(OPTIMIZED_FLAGS, interpreted(VERSION_CHECK_WARNING));
        assertEquals(RuntimeMode.INTERPRETER, s.actual());
        assertFalse(s.asRequested());
        assertTrue(s.reason().contains("'24.2.2' is incompatible with polyglot version '25.0.3'"), s.reason());
        assertTrue(s.reason().contains(JDK), s.reason());
        assertFalse(s.reason().contains("For more information"), s.reason());
    }

    @Test
    void flagsACompilerThatLoadsButCannotCompile() {
        RuntimeProbe.Result broken = new RuntimeProbe.Result("GraalVM CE", "", false,
                "NoSuchMethodError: jdk.vm.ci.hotspot.HotSpotVMConfigAccess");
        RuntimeStatus s = RuntimeStatus.assess(OPTIMIZED_FLAGS, broken);
        assertEquals(RuntimeMode.INTERPRETER, s.actual());
        assertFalse(s.asRequested());
        assertTrue(s.reason().contains("cannot compile") && s.reason().contains("NoSuchMethodError"), s.reason());
    }

    @Test
    void namesTheMissingJvmciFlag() {
        RuntimeStatus s = RuntimeStatus.assess(new LaunchFlags(false, UPGRADE_JAR, JDK), interpreted(""));
        assertEquals(RuntimeMode.OPTIMIZED, s.requested());
        assertFalse(s.asRequested());
        assertTrue(s.reason().contains("-XX:+EnableJVMCI"), s.reason());
    }

    @Test
    void namesTheMissingCompilerJars() {
        RuntimeStatus s = RuntimeStatus.assess(new LaunchFlags(true, JDK_PLACEHOLDER, JDK), interpreted(""));
        assertEquals(RuntimeMode.OPTIMIZED, s.requested());
        assertFalse(s.asRequested());
        assertTrue(s.reason().contains("--upgrade-module-path"), s.reason());
    }

    @Test
    void neverCountsABetterRuntimeThanRequestedAsAFailure() {
        // e.g. a GraalVM JDK with libgraal: compiled without any flags
        RuntimeStatus s = RuntimeStatus.assess(new LaunchFlags(false, JDK_PLACEHOLDER, JDK), COMPILED);
        assertEquals(RuntimeMode.INTERPRETER, s.requested());
        assertEquals(RuntimeMode.OPTIMIZED, s.actual());
        assertTrue(s.asRequested());
    }

    @Test
    void readsNoCauseFromLogsWithoutAFallbackWarning() {
        assertNull(RuntimeStatus.fallbackCause(null));
        assertNull(RuntimeStatus.fallbackCause("[engine] opt done medhookRuntimeProbe"));
        assertEquals("JVMCI is not enabled for this JVM. Enable JVMCI using -XX:+EnableJVMCI",
                RuntimeStatus.fallbackCause("The following cause was found: JVMCI is not enabled for this JVM. "
                        + "Enable JVMCI using -XX:+EnableJVMCI.\nFor more information see: https://x"));
    }
}

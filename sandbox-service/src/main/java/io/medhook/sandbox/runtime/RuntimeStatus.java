package io.medhook.sandbox.runtime;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which runtime the launch asked for, which one GraalJS actually runs, and why, in words an operator can act on.
 *
 * @param requested what the JVM flags ask for ({@link LaunchFlags#requested()})
 * @param actual what runs: optimized only when a compiler was found and compiled the probe
 * @param implementation Truffle's name for the runtime, e.g. {@code GraalVM CE} or {@code Interpreted}
 * @param reason one sentence: how the runtime came about or what is missing
 */
public record RuntimeStatus(RuntimeMode requested, RuntimeMode actual, String implementation, String reason) {

    /** The cause in Truffle's fallback warning, up to the "For more information" line. */
    private static final Pattern FALLBACK_CAUSE = Pattern.compile(
            "The following cause was found: (.*?)(?:For more information|To disable this warning|$)", Pattern.DOTALL);

    /** False only when the optimizing runtime was asked for and this JVM runs interpreted. */
    public boolean asRequested() {
        return !(requested == RuntimeMode.OPTIMIZED && actual == RuntimeMode.INTERPRETER);
    }

    /** Decides from the launch flags and the probe; no I/O. */
    public static RuntimeStatus assess(LaunchFlags flags, RuntimeProbe.Result probe) {
        RuntimeMode requested = flags.requested();
        String implementation = probe.implementation();
        if (probe.compilingRuntime() && probe.compiled()) {
            String from = flags.compilerOnUpgradePath() ? "the Graal compiler from " + flags.compilerLocation()
                    : "the JVM's own Graal compiler";
            return new RuntimeStatus(requested, RuntimeMode.OPTIMIZED, implementation,
                    implementation + " on JDK " + flags.javaVersion() + ": " + from + " compiled the probe");
        }
        if (requested == RuntimeMode.INTERPRETER) {
            return new RuntimeStatus(requested, RuntimeMode.INTERPRETER, implementation,
                    "JVMCI is off and no Graal compiler is on the upgrade module path");
        }
        String why;
        if (probe.compilingRuntime()) {
            why = "the Graal compiler is loaded but cannot compile on JDK " + flags.javaVersion()
                    + " (compiler and JDK must match exactly): " + probe.compileFailure();
        } else if (!flags.jvmciEnabled()) {
            why = "the Graal compiler is on the upgrade module path but JVMCI is off: add "
                    + "-XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI";
        } else if (!flags.compilerOnUpgradePath()) {
            why = "JVMCI is on but org.graalvm.compiler:compiler is not on --upgrade-module-path"
                    + " (build sandbox-service to get target/graal-compiler/)";
        } else {
            String cause = fallbackCause(probe.engineLog());
            why = "Truffle fell back to its interpreter on JDK " + flags.javaVersion()
                    + (cause == null ? "" : ": " + cause);
        }
        return new RuntimeStatus(requested, RuntimeMode.INTERPRETER, implementation, why);
    }

    /** The cause Truffle names in its "uses a fallback runtime" warning, on one line without the final period. */
    static String fallbackCause(String engineLog) {
        if (engineLog == null) {
            return null;
        }
        Matcher m = FALLBACK_CAUSE.matcher(engineLog);
        if (!m.find()) {
            return null;
        }
        String cause = m.group(1).strip().replaceAll("\\s+", " ").replaceAll("\\.+$", "");
        return cause.isEmpty() ? null : cause;
    }
}

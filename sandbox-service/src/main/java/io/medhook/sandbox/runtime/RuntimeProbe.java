package io.medhook.sandbox.runtime;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/**
 * Asks Truffle which runtime this JVM got, and proves that the compiler really compiles. Uses throwaway engines of its
 * own that run one constant function and never user code, so they may use the diagnostic options (compilation
 * tracing, compile-immediately) that the sandbox engine's CONSTRAINED policy refuses. The Truffle runtime is one per
 * JVM: what these engines get, the sandbox engine gets too.
 */
public final class RuntimeProbe {

    /** What Truffle reports as the implementation when it fell back to its interpreter-only runtime. */
    static final String FALLBACK_IMPLEMENTATION = "Interpreted";
    static final String PROBE_FUNCTION = "medhookRuntimeProbe";
    private static final String PROBE_SOURCE = "(function " + PROBE_FUNCTION
            + "(n) { let s = 0; for (let i = 0; i < n; i++) { s += i; } return s; })";
    private static final int MESSAGE_CHARS = 1000;

    /**
     * @param implementation {@link Engine#getImplementationName()}: {@code Interpreted} for the fallback runtime,
     *     e.g. {@code GraalVM CE} when a compiler was found
     * @param engineLog what Truffle logged while building an engine: its fallback warning names the cause
     * @param compiled whether the probe function was compiled (false when not tried)
     * @param compileFailure why compiling failed, null when it succeeded or was not tried
     */
    public record Result(String implementation, String engineLog, boolean compiled, String compileFailure) {

        /** Whether Truffle found a compiler at all; it may still fail to compile. */
        public boolean compilingRuntime() {
            return !FALLBACK_IMPLEMENTATION.equals(implementation);
        }
    }

    private RuntimeProbe() {
    }

    /** Builds a plain engine, then, if Truffle found a compiler, compiles the probe function. Takes seconds then. */
    public static Result run() {
        Capture log = new Capture();
        String implementation;
        try (Engine engine = Engine.newBuilder("js")
                .out(OutputStream.nullOutputStream())
                .err(OutputStream.nullOutputStream())
                .logHandler(log)
                .option("engine.WarnInterpreterOnly", "true")
                .build()) {
            implementation = engine.getImplementationName();
        }
        if (FALLBACK_IMPLEMENTATION.equals(implementation)) {
            return new Result(implementation, log.text(), false, null);
        }
        return compile(implementation, log.text());
    }

    /**
     * Compiles the probe function synchronously and watches the compilation trace for it: a compiler that loads but
     * cannot compile on this JDK (a JVMCI mismatch after a JDK patch update) shows up here, not as a fallback warning.
     */
    private static Result compile(String implementation, String engineLog) {
        Capture trace = new Capture();
        try (Engine engine = Engine.newBuilder("js")
                .out(OutputStream.nullOutputStream())
                .err(OutputStream.nullOutputStream())
                .logHandler(trace)
                .allowExperimentalOptions(true)
                .option("engine.CompileImmediately", "true")
                .option("engine.BackgroundCompilation", "false")
                .option("engine.CompileOnly", PROBE_FUNCTION)
                .option("engine.MultiTier", "false")
                .option("engine.CompilationFailureAction", "Throw")
                .option("engine.TraceCompilation", "true")
                .build();
                Context context = Context.newBuilder("js").engine(engine).build()) {
            Value probe = context.eval(Source.newBuilder("js", PROBE_SOURCE, "medhook-runtime-probe.js").buildLiteral());
            long sum = probe.execute(1000).asLong();
            if (sum != 499_500L) {
                return new Result(implementation, engineLog, false, "the compiled probe returned " + sum);
            }
            String traced = trace.text();
            boolean compiled = traced.lines().anyMatch(l -> l.contains("opt done") && l.contains(PROBE_FUNCTION));
            return new Result(implementation, engineLog, compiled, compiled ? null
                    : "no compilation of the probe was traced" + (traced.isBlank() ? "" : ": " + firstLines(traced)));
        } catch (PolyglotException | IllegalArgumentException | IllegalStateException e) {
            String traced = trace.text();
            return new Result(implementation, engineLog, false, firstLines(e.getMessage() + " " + traced));
        }
    }

    private static String firstLines(String s) {
        String flat = s == null ? "" : s.strip().replaceAll("\\s+", " ");
        return flat.length() > MESSAGE_CHARS ? flat.substring(0, MESSAGE_CHARS) + "…" : flat;
    }

    /** Collects Truffle's log records of one engine. */
    private static final class Capture extends Handler {
        private final List<String> lines = new ArrayList<>();

        @Override
        public synchronized void publish(LogRecord record) {
            if (record.getMessage() != null) {
                lines.add(record.getMessage());
            }
        }

        synchronized String text() {
            return String.join("\n", lines);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}

package io.medhook.sandbox.execution;

import io.medhook.sandbox.SandboxConfig;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.ResourceLimits;
import org.graalvm.polyglot.SandboxPolicy;
import org.graalvm.polyglot.io.IOAccess;
import org.jboss.logging.Logger;

/**
 * The one GraalJS {@link Engine} of this process and the only place where guest contexts are configured. Every context
 * it hands out is fresh and denies everything that reaches outside the guest heap: host objects and classes, I/O,
 * threads, processes, native code, other languages, environment variables, value sharing between contexts, the
 * {@code load}, {@code print}, {@code Graal}, {@code Polyglot} and Java package built-ins, and shared memory.
 *
 * <p><b>Sandbox policy.</b> GraalVM's {@link SandboxPolicy#CONSTRAINED} validates a configuration like this one, but it
 * refuses every experimental option, and the only size limits the community runtime has are experimental:
 * {@code js.string-length-limit} and {@code js.max-typed-array-length}. Without them a single built-in call
 * ({@code 'x'.repeat(2 ** 29)}, {@code new ArrayBuffer(2 ** 31 - 9)}) allocates hundreds of megabytes at once, before
 * any watchdog can intervene, and throws {@link OutOfMemoryError} in the service. So contexts run under
 * {@link SandboxPolicy#TRUSTED} with those options, and at start the same settings without the TRUSTED-only options are
 * built once under CONSTRAINED: if anyone weakens them, GraalVM refuses and the service does not start.
 *
 * <p>A {@code @Singleton}, not {@code @ApplicationScoped}: a client proxy would run the constructor, and build a second
 * engine, once more.
 */
@Startup
@Singleton
public class SandboxEngine {

    private static final Logger LOG = Logger.getLogger(SandboxEngine.class);
    static final String LANGUAGE = "js";

    /**
     * {@link HostAccess#NONE} still allows mapping guest objects to mutable host types, which CONSTRAINED rejects;
     * nothing here maps guest values to host collections, so that is switched off too.
     */
    private static final HostAccess NO_HOST_ACCESS = HostAccess.newBuilder(HostAccess.NONE)
            .allowMutableTargetMappings()
            .build();

    private final Engine engine;
    private final SandboxConfig.Limits limits;

    public SandboxEngine(SandboxConfig config) {
        this.limits = config.limits();
        if (limits.stringLength() < limits.inputBytes()) {
            throw new IllegalStateException("medhook.sandbox.limits.string-length (" + limits.stringLength()
                    + ") must be at least medhook.sandbox.limits.input-bytes (" + limits.inputBytes()
                    + "): the input enters the script as one JSON string");
        }
        verifyConstrained();
        this.engine = newEngine(SandboxPolicy.TRUSTED);
        LOG.infof("GraalJS engine ready: %s %s", engine.getImplementationName(), engine.getVersion());
    }

    private static Engine newEngine(SandboxPolicy policy) {
        return Engine.newBuilder(LANGUAGE)
                .sandbox(policy)
                .in(InputStream.nullInputStream())
                .out(OutputStream.nullOutputStream())
                .err(OutputStream.nullOutputStream())
                .logHandler(new EngineLog())
                // Temurin has no JVMCI compiler: the interpreter is expected, the warning is noise.
                .option("engine.WarnInterpreterOnly", "false")
                .build();
    }

    /**
     * Builds the context settings once under {@link SandboxPolicy#CONSTRAINED} (without the TRUSTED-only size options)
     * and fails if GraalVM finds them weaker than that policy allows.
     */
    private void verifyConstrained() {
        try (Engine check = newEngine(SandboxPolicy.CONSTRAINED);
                Context context = configure(Context.newBuilder(LANGUAGE).engine(check), SandboxPolicy.CONSTRAINED)
                        .build()) {
            context.eval(LANGUAGE, "1");
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("The sandbox context settings do not pass GraalVM's CONSTRAINED policy: "
                    + e.getMessage(), e);
        }
    }

    /**
     * A new, empty context; the caller closes it. Guest stdout/stderr go nowhere: console is installed separately.
     *
     * @param onStatementLimit runs on the executing thread when the statement limit (if configured) is reached
     */
    Context newContext(Runnable onStatementLimit) {
        Context.Builder builder = configure(Context.newBuilder(LANGUAGE).engine(engine), SandboxPolicy.TRUSTED);
        if (limits.statements() > 0) {
            builder.resourceLimits(ResourceLimits.newBuilder()
                    .statementLimit(limits.statements(), null)
                    .onLimit(event -> onStatementLimit.run())
                    .build());
        }
        return builder.build();
    }

    /** Every setting of a guest context; under TRUSTED also the size limits and the experimental removals. */
    private Context.Builder configure(Context.Builder builder, SandboxPolicy policy) {
        builder.sandbox(policy)
                .allowHostAccess(NO_HOST_ACCESS)
                // no allowHostClassLookup at all: even a deny-all predicate would define the `Java` global
                .allowHostClassLoading(false)
                .allowIO(IOAccess.NONE)
                .allowCreateThread(false)
                .allowCreateProcess(false)
                .allowNativeAccess(false)
                .allowPolyglotAccess(PolyglotAccess.NONE)
                .allowEnvironmentAccess(EnvironmentAccess.NONE)
                .allowValueSharing(false)
                .allowInnerContextOptions(false)
                .in(InputStream.nullInputStream())
                .out(OutputStream.nullOutputStream())
                .err(OutputStream.nullOutputStream())
                .option("js.load", "false")
                .option("js.print", "false")
                .option("js.graal-builtin", "false")
                // the service installs its own capped console
                .option("js.console", "false")
                .option("js.webassembly", "false")
                // eval and new Function stay: they compile code inside this context only and reach nothing more
                .option("js.allow-eval", "true");
        if (policy == SandboxPolicy.CONSTRAINED) {
            return builder.allowExperimentalOptions(false);
        }
        return builder.allowExperimentalOptions(true)
                .option("js.string-length-limit", Integer.toString(limits.stringLength()))
                .option("js.max-typed-array-length", Integer.toString(limits.arrayBufferBytes()))
                // GraalJS's BigInt runs uninterruptible, superlinear host code on huge values (parsing a 2-million-
                // digit BigInt kept running 72 s after its cancellation) and allocates up to 256 MiB at once
                // (1n << 2000000000n)
                .option("js.bigint", "false")
                // shared memory and blocking waits have no use without threads
                .option("js.shared-array-buffer", "false")
                .option("js.atomics", "false")
                // absent already (no polyglot access, no host class lookup); removed explicitly as well
                .option("js.polyglot-builtin", "false")
                .option("js.java-package-globals", "false")
                .option("js.global-property", "false")
                // the shell's command-line `arguments` global
                .option("js.global-arguments", "false")
                .option("js.performance", "false")
                .option("js.worker", "false")
                // Error.prepareStackTrace / captureStackTrace stay inert
                .option("js.stack-trace-api", "false");
    }

    /** Whether a fresh context can be created and evaluates {@code 1 + 1}; for readiness. */
    boolean selfTest() {
        try (Context context = newContext(() -> { })) {
            return context.eval(LANGUAGE, "1 + 1").asInt() == 2;
        } catch (RuntimeException e) {
            LOG.warnf("GraalJS self-test failed: %s", e.getClass().getSimpleName());
            return false;
        }
    }

    /** Implementation name, e.g. "Interpreted Development Build" or "GraalVM CE", for health data. */
    String implementation() {
        return engine.getImplementationName() + " " + engine.getVersion();
    }

    @PreDestroy
    void close() {
        // cancels whatever still runs; the execution pool is shut down before this bean
        engine.close(true);
    }

    /** Truffle's own diagnostics (engine and language warnings) into the application log instead of stderr. */
    private static final class EngineLog extends Handler {
        private static final Logger TRUFFLE = Logger.getLogger("io.medhook.sandbox.graal");

        @Override
        public void publish(LogRecord record) {
            int level = record.getLevel().intValue();
            Logger.Level to = level >= java.util.logging.Level.SEVERE.intValue() ? Logger.Level.ERROR
                    : level >= java.util.logging.Level.WARNING.intValue() ? Logger.Level.WARN
                    : level >= java.util.logging.Level.INFO.intValue() ? Logger.Level.INFO : Logger.Level.DEBUG;
            TRUFFLE.logf(to, "[%s] %s", record.getLoggerName(), record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}

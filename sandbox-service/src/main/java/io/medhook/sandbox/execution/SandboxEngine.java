package io.medhook.sandbox.execution;

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
import org.graalvm.polyglot.SandboxPolicy;
import org.graalvm.polyglot.io.IOAccess;
import org.jboss.logging.Logger;

/**
 * The one GraalJS {@link Engine} of this process and the only place where guest contexts are configured. Every context
 * it hands out is fresh and denies everything that reaches outside the guest heap: host objects and classes, I/O,
 * threads, processes, native code, other languages, environment variables, value sharing between contexts, and the
 * {@code load}, {@code print} and {@code Graal} built-ins. Both engine and contexts are built under
 * {@link SandboxPolicy#CONSTRAINED}, so GraalVM itself refuses a configuration that would weaken these settings.
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

    public SandboxEngine() {
        this.engine = Engine.newBuilder(LANGUAGE)
                .sandbox(SandboxPolicy.CONSTRAINED)
                .in(InputStream.nullInputStream())
                .out(OutputStream.nullOutputStream())
                .err(OutputStream.nullOutputStream())
                .logHandler(new EngineLog())
                // Temurin has no JVMCI compiler: the interpreter is expected, the warning is noise.
                .option("engine.WarnInterpreterOnly", "false")
                .build();
        LOG.infof("GraalJS engine ready: %s %s", engine.getImplementationName(), engine.getVersion());
    }

    /** A new, empty context; the caller closes it. Guest stdout/stderr go nowhere: console is installed separately. */
    Context newContext() {
        return Context.newBuilder(LANGUAGE)
                .engine(engine)
                .sandbox(SandboxPolicy.CONSTRAINED)
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
                .allowExperimentalOptions(false)
                .in(InputStream.nullInputStream())
                .out(OutputStream.nullOutputStream())
                .err(OutputStream.nullOutputStream())
                .option("js.load", "false")
                .option("js.print", "false")
                .option("js.graal-builtin", "false")
                .build();
    }

    /** Whether a fresh context can be created and evaluates {@code 1 + 1}; for readiness. */
    boolean selfTest() {
        try (Context context = newContext()) {
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

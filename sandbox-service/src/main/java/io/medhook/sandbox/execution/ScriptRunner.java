package io.medhook.sandbox.execution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.common.Ids;
import io.medhook.common.problem.MedhookException;
import io.medhook.sandbox.SandboxConfig;
import io.medhook.sandbox.execution.OutputConverter.RefusedOutput;
import io.medhook.sandbox.execution.RunScriptResult.ErrorType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyExecutable;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * Runs one script: checks the request, takes an execution slot, and evaluates the script in a fresh context under a
 * wall-clock watchdog. Script source, input, output and console output are never logged (they may hold PHI): only the
 * run id, the outcome and the duration.
 */
@Startup
@Singleton
public class ScriptRunner {

    private static final Logger LOG = Logger.getLogger(ScriptRunner.class);

    /** Longest error message handed back, in characters. */
    static final int MESSAGE_CHARS = 500;
    /** Longest single console entry that crosses from guest to host, in characters; the byte cap applies after. */
    static final int LOG_ENTRY_CHARS = 65_536;
    static final String SOURCE_NAME = "script.js";

    /**
     * Runs before any user code: installs a console that hands each call, formatted in the guest, to the host sink,
     * and returns the pristine {@code JSON.parse} so a script cannot tamper with how its input is read.
     */
    private static final Source SETUP = Source.newBuilder(SandboxEngine.LANGUAGE, """
            (function (sink) {
              'use strict';
              const stringify = JSON.stringify, toText = String, tag = Object.prototype.toString;
              const max = %d;
              function format(v) {
                if (typeof v === 'string') return v;
                if (typeof v === 'object' && v !== null) {
                  try { const s = stringify(v); if (s !== undefined) return s; } catch (e) { /* cycles, BigInt */ }
                }
                try { return toText(v); } catch (e) { return tag.call(v); }
              }
              function write() {
                let line = '';
                for (let i = 0; i < arguments.length && line.length <= max; i++) {
                  line += (i ? ' ' : '') + format(arguments[i]);
                }
                sink(line.length > max ? line.slice(0, max) : line);
              }
              const console = {};
              for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
                console[level] = function () { write.apply(undefined, arguments); };
              }
              Object.defineProperty(globalThis, 'console', {value: console, writable: true, configurable: true});
              return JSON.parse;
            })
            """.formatted(LOG_ENTRY_CHARS), "medhook-setup.js").internal(true).buildLiteral();

    private static final Pattern SCRIPT_POSITION = Pattern.compile(Pattern.quote(SOURCE_NAME) + ":(\\d+):(\\d+)");
    private static final int RUNNING = 0;
    private static final int DONE = 1;
    private static final int TIMED_OUT = 2;

    private final SandboxEngine engine;
    private final ExecutionSlots slots;
    private final SandboxConfig.Limits limits;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final Counter rejected;
    private final ScheduledThreadPoolExecutor watchdog;

    public ScriptRunner(SandboxEngine engine, ExecutionSlots slots, SandboxConfig config, ObjectMapper mapper,
            MeterRegistry registry) {
        this.engine = engine;
        this.slots = slots;
        this.limits = config.limits();
        this.mapper = mapper;
        this.registry = registry;
        this.rejected = Counter.builder("medhook.sandbox.rejections")
                .description("Executions refused because every slot and queue place was taken").register(registry);
        // one thread per slot: cancelling a context can block while the guest finishes a long built-in call,
        // and one slow cancellation must not delay the next timeout
        this.watchdog = new ScheduledThreadPoolExecutor(slots.slots(), new ExecutionSlots.Named("sandbox-watchdog"));
        this.watchdog.setRemoveOnCancelPolicy(true);
    }

    @PreDestroy
    void shutdown() {
        watchdog.shutdownNow();
    }

    /**
     * Validates the request and runs it on an execution thread. Bad requests fail with 400 before a slot is taken;
     * a full service fails with {@link SandboxBusyException}.
     */
    public CompletionStage<RunScriptResult> submit(RunScriptRequest request) {
        if (request == null || request.source() == null || request.source().isBlank()) {
            throw MedhookException.badRequest("'source' is required");
        }
        if (request.source().getBytes(StandardCharsets.UTF_8).length > limits.sourceBytes()) {
            throw MedhookException.badRequest("'source' is larger than " + limits.sourceBytes() + " bytes");
        }
        Duration timeout = effectiveTimeout(request.timeoutMs(), limits.timeout());
        String input;
        try {
            input = request.input() == null ? "null" : mapper.writeValueAsString(request.input());
        } catch (JsonProcessingException e) {
            throw MedhookException.badRequest("'input' is not valid JSON");
        }
        String source = request.source();
        String requestId = (String) MDC.get("requestId");
        try {
            return slots.submit(() -> {
                if (requestId != null) {
                    MDC.put("requestId", requestId);
                }
                try {
                    return run(source, input, timeout);
                } finally {
                    MDC.remove("requestId");
                }
            });
        } catch (SandboxBusyException e) {
            rejected.increment();
            throw e;
        }
    }

    /** The request's timeout, lowered to the service limit; the limit itself when the request names none. */
    static Duration effectiveTimeout(Integer requestedMs, Duration limit) {
        if (requestedMs == null) {
            return limit;
        }
        if (requestedMs < 1) {
            throw MedhookException.badRequest("'timeoutMs' must be at least 1");
        }
        return Duration.ofMillis(Math.min(requestedMs, limit.toMillis()));
    }

    /** One execution in a fresh context; never throws for anything the script does. */
    RunScriptResult run(String source, String inputJson, Duration timeout) {
        String runId = Ids.uuidV7().toString();
        long start = System.nanoTime();
        LogCollector logs = new LogCollector(limits.logBytes());
        RunScriptResult result;
        try {
            result = execute(source, inputJson, timeout, logs, start);
        } catch (RuntimeException e) {
            record(runId, "internal", start);
            throw e;
        }
        record(runId, result.error() == null ? "succeeded" : result.error().type().wire(), start);
        return result;
    }

    private RunScriptResult execute(String source, String inputJson, Duration timeout, LogCollector logs, long start) {
        Context context = engine.newContext();
        AtomicInteger state = new AtomicInteger(RUNNING);
        ScheduledFuture<?> alarm = watchdog.schedule(() -> {
            if (state.compareAndSet(RUNNING, TIMED_OUT)) {
                cancel(context);
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        try {
            ProxyExecutable sink = args -> {
                if (args.length > 0 && args[0].isString()) {
                    logs.add(args[0].asString());
                }
                return null;
            };
            Value parse = context.eval(SETUP).execute(sink);
            Value input = parse.execute(inputJson);
            Value function = context.eval(Source.newBuilder(SandboxEngine.LANGUAGE,
                    "(function(input) {\n" + source + "\n})", SOURCE_NAME).buildLiteral());
            if (!function.canExecute()) {
                return finish(state, logs, start, ErrorType.SCRIPT_ERROR,
                        "The source must be the body of a function of 'input'");
            }
            Value returned = function.execute(input);
            if (isThenable(returned)) {
                return finish(state, logs, start, ErrorType.SCRIPT_ERROR, "async scripts are not supported yet");
            }
            JsonNode output = new OutputConverter(limits.outputBytes(), limits.outputDepth()).convert(returned);
            if (serializedSize(output) > limits.outputBytes()) {
                return finish(state, logs, start, ErrorType.OUTPUT_LIMIT,
                        "The output is larger than " + limits.outputBytes() + " bytes");
            }
            if (!state.compareAndSet(RUNNING, DONE)) {
                return timedOut(timeout, logs, start);
            }
            return RunScriptResult.succeeded(output, logs, millisSince(start));
        } catch (PolyglotException e) {
            // the message is read while the watchdog still guards the context
            String message = e.isGuestException() ? scriptMessage(e) : null;
            if (!state.compareAndSet(RUNNING, DONE) || e.isCancelled()) {
                return timedOut(timeout, logs, start);
            }
            if (e.isInternalError() || e.isHostException()) {
                throw new IllegalStateException("GraalJS failed while running a script");
            }
            if (e.isResourceExhausted()) {
                return RunScriptResult.failed(ErrorType.MEMORY_LIMIT, "The script exhausted the memory available to it",
                        logs, millisSince(start));
            }
            return RunScriptResult.failed(ErrorType.SCRIPT_ERROR, message == null ? "The script failed" : message,
                    logs, millisSince(start));
        } catch (RefusedOutput e) {
            return finish(state, logs, start, e.type(), e.getMessage());
        } catch (IllegalStateException e) {
            // the watchdog closed the context while the host was between two guest calls
            if (state.get() == TIMED_OUT) {
                return timedOut(timeout, logs, start);
            }
            throw e;
        } finally {
            alarm.cancel(false);
            close(context);
        }
    }

    private RunScriptResult finish(AtomicInteger state, LogCollector logs, long start, ErrorType type, String message) {
        if (!state.compareAndSet(RUNNING, DONE)) {
            return RunScriptResult.failed(ErrorType.TIMEOUT, "The script did not finish in time", logs,
                    millisSince(start));
        }
        return RunScriptResult.failed(type, message, logs, millisSince(start));
    }

    private static RunScriptResult timedOut(Duration timeout, LogCollector logs, long start) {
        return RunScriptResult.failed(ErrorType.TIMEOUT,
                "The script did not finish within " + timeout.toMillis() + " ms", logs, millisSince(start));
    }

    private static boolean isThenable(Value v) {
        return v.hasMembers() && v.hasMember("then") && v.getMember("then").canExecute();
    }

    private int serializedSize(JsonNode output) {
        try {
            return mapper.writeValueAsBytes(output).length;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("output could not be serialized", e);
        }
    }

    /**
     * The guest's own message ({@code TypeError: x is not a function}). Syntax errors keep their first line only,
     * with positions made relative to the script instead of the wrapper around it.
     */
    static String scriptMessage(PolyglotException e) {
        String m = e.getMessage() == null || e.getMessage().isBlank() ? "The script failed" : e.getMessage();
        if (e.isSyntaxError()) {
            int nl = m.indexOf('\n');
            m = nl < 0 ? m : m.substring(0, nl);
            m = SCRIPT_POSITION.matcher(m)
                    .replaceAll(r -> "line " + Math.max(1, Long.parseLong(r.group(1)) - 1) + ":" + r.group(2));
        }
        return m.length() > MESSAGE_CHARS ? m.substring(0, MESSAGE_CHARS) : m;
    }

    private static void cancel(Context context) {
        try {
            context.close(true);
        } catch (PolyglotException | IllegalStateException e) {
            // already closing or closed: the execution thread reports the timeout either way
        }
    }

    private static void close(Context context) {
        try {
            context.close();
        } catch (PolyglotException | IllegalStateException e) {
            // a cancelled context reports its cancellation again on close
        }
    }

    private void record(String runId, String outcome, long start) {
        long nanos = System.nanoTime() - start;
        Timer.builder("medhook.sandbox.executions")
                .description("Script executions by outcome")
                .tag("outcome", outcome)
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
        if ("succeeded".equals(outcome)) {
            LOG.debugf("execution %s outcome=%s durationMs=%d", runId, outcome, nanos / 1_000_000);
        } else {
            LOG.infof("execution %s outcome=%s durationMs=%d", runId, outcome, nanos / 1_000_000);
        }
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}

package io.medhook.sandbox.execution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.common.Ids;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.medhook.sandbox.SandboxConfig;
import io.medhook.sandbox.execution.HeapWatch.GcPoint;
import io.medhook.sandbox.execution.MemoryMeter.Verdict;
import io.medhook.sandbox.execution.OutputConverter.RefusedOutput;
import io.medhook.sandbox.execution.RunScriptResult.ErrorType;
import io.medhook.sandbox.execution.RunScriptResult.Resources;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyExecutable;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * Runs one script: checks the request, takes an execution slot, and evaluates the script in a fresh context under a
 * watchdog that enforces the wall-clock and memory limits. Script source, input, output and console output are never
 * logged (they may hold PHI): only the run id, the outcome and the duration.
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
     * Globals that reach outside a JavaScript heap in other runtimes (GraalJS shell, Nashorn, Node.js, browsers). None
     * exists here; a script that references one anyway fails as {@code forbidden} rather than {@code script_error}.
     */
    static final Set<String> DENIED_GLOBALS = Set.of("Java", "Polyglot", "Graal", "Packages", "java", "javax",
            "load", "loadWithNewGlobal", "print", "printErr", "quit", "exit", "readline", "readbuffer", "require",
            "process", "module", "Buffer", "global", "setTimeout", "setInterval", "setImmediate", "clearTimeout",
            "clearInterval", "clearImmediate", "fetch", "XMLHttpRequest", "WebSocket", "WebAssembly", "Worker",
            "SharedArrayBuffer", "Atomics", "importScripts", "performance", "Deno", "Bun", "__dirname",
            "__filename", "BigInt", "BigInt64Array", "BigUint64Array");

    /**
     * Runs before any user code and sets the context up:
     *
     * <ul>
     *   <li>a console that hands each call, formatted in the guest with functions captured here (so a script that
     *       replaces {@code Function.prototype.apply} or {@code JSON.stringify} cannot break it), to the host
     *       sink;</li>
     *   <li>{@code toUpperCase}/{@code toLowerCase} through their locale variants with the root locale: the same
     *       result for every input, but GraalJS 25's own versions take quadratic time on characters whose case mapping
     *       changes the length ({@code ß}, {@code İ}, final sigma), inside one call that cannot be cancelled;</li>
     *   <li>no {@code DataView} BigInt accessors: with BigInt switched off they were the last way to get a BigInt
     *       value;</li>
     *   <li>{@code Array.prototype} methods that walk the whole length, and {@code Array.from} of an array-like,
     *       refuse lengths over {@code array-length} before GraalJS starts a loop or an allocation it cannot cancel
     *       ({@code Array.prototype.indexOf.call({length: 2 ** 53 - 1})} would run for days);</li>
     *   <li>it returns the pristine {@code JSON.parse}, so a script cannot tamper with how its input is read.</li>
     * </ul>
     */
    static Source setup(int arrayLength) {
        return Source.newBuilder(SandboxEngine.LANGUAGE, """
            (function (sink) {
              'use strict';
              const apply = Reflect.apply, defineProperty = Object.defineProperty;
              const stringify = JSON.stringify, toText = String, tag = Object.prototype.toString;
              const slice = String.prototype.slice;
              const max = %d;
              function format(v) {
                if (typeof v === 'string') return v;
                if (typeof v === 'object' && v !== null) {
                  try { const s = stringify(v); if (s !== undefined) return s; } catch (e) { /* cycles */ }
                }
                try { return toText(v); } catch (e) { return apply(tag, v, []); }
              }
              function write(args) {
                let line = '';
                for (let i = 0; i < args.length && line.length <= max; i++) {
                  line += (i ? ' ' : '') + format(args[i]);
                }
                sink(line.length > max ? apply(slice, line, [0, max]) : line);
              }
              const console = {
                log() { write(arguments); }, info() { write(arguments); }, warn() { write(arguments); },
                error() { write(arguments); }, debug() { write(arguments); }, trace() { write(arguments); }
              };
              defineProperty(globalThis, 'console', {value: console, writable: true, configurable: true});
              const upper = String.prototype.toLocaleUpperCase, lower = String.prototype.toLocaleLowerCase;
              const caseMapping = {
                toUpperCase() { return apply(upper, this, ['und']); },
                toLowerCase() { return apply(lower, this, ['und']); }
              };
              String.prototype.toUpperCase = caseMapping.toUpperCase;
              String.prototype.toLowerCase = caseMapping.toLowerCase;
              const view = DataView.prototype;
              delete view.getBigInt64; delete view.getBigUint64; delete view.setBigInt64; delete view.setBigUint64;
              const maxLength = %d, toObject = Object, iterator = Symbol.iterator, P = Array.prototype;
              function tooLong(o) { return o != null && toObject(o).length > maxLength; }
              function refuse() { throw new RangeError('Array operations are limited to ' + maxLength + ' elements'); }
              const o = {%s};
              const g = {%s};
              %s
              const from = Array.from;
              Array.from = {from(items) {
                if (items != null && items[iterator] == null && tooLong(items)) refuse();
                return apply(from, this, arguments);
              }}.from;
              return JSON.parse;
            })
            """.formatted(LOG_ENTRY_CHARS, arrayLength,
                GUARDED_ARRAY_METHODS.stream().map(m -> m + ": P." + m).collect(Collectors.joining(", ")),
                GUARDED_ARRAY_METHODS.stream().map(m -> m + "() { if (tooLong(this)) refuse(); return apply(o." + m
                        + ", this, arguments); }").collect(Collectors.joining(",\n")),
                GUARDED_ARRAY_METHODS.stream().map(m -> "P." + m + " = g." + m + ";").collect(Collectors.joining(" "))),
                "medhook-setup.js").internal(true).buildLiteral();
    }

    /**
     * {@code Array.prototype} methods that walk the whole length of their receiver; all of them except the constructor,
     * {@code push}, {@code pop}, {@code at} and the iterators (O(1) per call, or looping in the script where
     * cancellation works). A test checks that this list covers every method the engine has.
     */
    static final List<String> GUARDED_ARRAY_METHODS = List.of("slice", "shift", "unshift", "toString", "concat",
            "indexOf", "lastIndexOf", "join", "toLocaleString", "splice", "every", "filter", "forEach", "some", "map",
            "sort", "reduce", "reduceRight", "reverse", "find", "findIndex", "fill", "copyWithin", "includes", "flat",
            "flatMap", "findLast", "findLastIndex", "toReversed", "toSorted", "toSpliced", "with");
    static final List<String> UNGUARDED_ARRAY_METHODS = List.of("constructor", "push", "pop", "at", "keys",
            "values", "entries");

    private static final Pattern SCRIPT_POSITION = Pattern.compile(Pattern.quote(SOURCE_NAME) + ":(\\d+):(\\d+)");
    private static final Pattern NOT_DEFINED = Pattern.compile("ReferenceError: ([\\p{L}\\p{N}_$]+) is not defined");
    private static final Pattern TYPED_ARRAY_LENGTH = Pattern.compile("RangeError: Invalid typed array length: \\d+");

    /** How an execution ended; anything but {@link #RUNNING} is final. */
    private static final int RUNNING = 0;
    private static final int DONE = 1;
    private static final int TIMED_OUT = 2;
    private static final int OVER_MEMORY = 3;
    private static final int HEAP_PRESSURE = 4;
    private static final int OVER_STATEMENTS = 5;

    private final SandboxEngine engine;
    private final ExecutionSlots slots;
    private final HeapWatch heap;
    private final SandboxConfig.Limits limits;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final Counter rejected;
    /** Timeouts and memory samples; quick tasks only. */
    private final ScheduledThreadPoolExecutor watchdog;
    /**
     * Cancelling a context can block until the guest leaves a long built-in call, so cancellations run here, never on
     * the watchdog (at most one per running execution).
     */
    private final ExecutorService cancellations;
    private final Set<Run> running = ConcurrentHashMap.newKeySet();
    private final long pressureBytes;
    private final long emergencyBytes;
    private final Source setup;
    private final AtomicInteger stuckNow = new AtomicInteger();
    private final Counter stuckTotal;

    public ScriptRunner(SandboxEngine engine, ExecutionSlots slots, HeapWatch heap, SandboxConfig config,
            ObjectMapper mapper, MeterRegistry registry) {
        this.engine = engine;
        this.slots = slots;
        this.heap = heap;
        this.limits = config.limits();
        this.mapper = mapper;
        this.registry = registry;
        this.rejected = Counter.builder("medhook.sandbox.rejections")
                .description("Executions refused because every slot and queue place was taken").register(registry);
        this.watchdog = new ScheduledThreadPoolExecutor(Math.max(1, Math.min(2, slots.slots())),
                new ExecutionSlots.Named("sandbox-watchdog"));
        this.watchdog.setRemoveOnCancelPolicy(true);
        this.cancellations = Executors.newCachedThreadPool(new ExecutionSlots.Named("sandbox-cancel"));
        if (!(limits.heapPressure() > 0 && limits.heapPressure() <= 1)) {
            throw new IllegalStateException("medhook.sandbox.limits.heap-pressure must be above 0 and at most 1");
        }
        this.pressureBytes = heap.maxHeap() > 0 ? (long) (heap.maxHeap() * limits.heapPressure()) : Long.MAX_VALUE;
        this.emergencyBytes = heap.maxHeap() > 0 ? pressureBytes + (heap.maxHeap() - pressureBytes) / 2
                : Long.MAX_VALUE;
        this.setup = setup(limits.arrayLength());
        this.stuckTotal = Counter.builder("medhook.sandbox.executions.stuck.detected")
                .description("Executions that did not stop within stuck-after of reaching a limit").register(registry);
        Gauge.builder("medhook.sandbox.executions.stuck", stuckNow, AtomicInteger::get)
                .description("Executions stopped by a limit that are still running (liveness fails while > 0)")
                .register(registry);
        FunctionCounter.builder("medhook.sandbox.memory.collections.requested", heap,
                HeapWatch::requestedCollections)
                .description("Garbage collections the watchdog requested to judge executions over their memory budget")
                .register(registry);
        watchdog.scheduleWithFixedDelay(this::findStuck, 1, 1, TimeUnit.SECONDS);
        heap.onCollection(this::relieve);
        long planned = slots.slots() * limits.memory().asLongValue();
        if (heap.maxHeap() > 0 && planned > pressureBytes) {
            LOG.warnf("%d execution slots x %d MiB memory limit = %d MiB, more than %.0f%% of the %d MiB heap: "
                    + "executions may be stopped for heap pressure before they reach their own limit",
                    slots.slots(), limits.memory().asLongValue() >> 20, planned >> 20, limits.heapPressure() * 100,
                    heap.maxHeap() >> 20);
        }
    }

    @PreDestroy
    void shutdown() {
        watchdog.shutdownNow();
        cancellations.shutdownNow();
    }

    /**
     * Validates the request and runs it on an execution thread. Bad requests fail with 400 (413 for an oversized
     * input) before a slot is taken; a full service fails with {@link SandboxBusyException}.
     */
    public CompletionStage<RunScriptResult> submit(RunScriptRequest request) {
        if (request == null || request.source() == null || request.source().isBlank()) {
            throw MedhookException.badRequest("'source' is required");
        }
        if (request.source().getBytes(StandardCharsets.UTF_8).length > limits.sourceBytes()) {
            throw MedhookException.badRequest("'source' is larger than " + limits.sourceBytes() + " bytes");
        }
        Duration timeout = effectiveTimeout(request.timeoutMs(), limits.timeout());
        long memory = effectiveMemory(request.memoryBytes(), limits.memory().asLongValue());
        String input;
        try {
            input = request.input() == null ? "null" : mapper.writeValueAsString(request.input());
        } catch (JsonProcessingException e) {
            throw MedhookException.badRequest("'input' is not valid JSON");
        }
        if (input.getBytes(StandardCharsets.UTF_8).length > limits.inputBytes()) {
            throw new MedhookException(ErrorKind.PAYLOAD_TOO_LARGE, "'input' is larger than " + limits.inputBytes()
                    + " bytes");
        }
        String source = request.source();
        String requestId = (String) MDC.get("requestId");
        try {
            return slots.submit(() -> {
                if (requestId != null) {
                    MDC.put("requestId", requestId);
                }
                try {
                    return run(source, input, timeout, memory);
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

    /** The request's memory budget, lowered to the service limit; the limit itself when the request names none. */
    static long effectiveMemory(Long requestedBytes, long limit) {
        if (requestedBytes == null) {
            return limit;
        }
        if (requestedBytes < 1) {
            throw MedhookException.badRequest("'memoryBytes' must be at least 1");
        }
        return Math.min(requestedBytes, limit);
    }

    /** One execution in a fresh context with the service's limits; never throws for anything the script does. */
    RunScriptResult run(String source, String inputJson, Duration timeout) {
        return run(source, inputJson, timeout, limits.memory().asLongValue());
    }

    /** One execution in a fresh context on the calling thread; never throws for anything the script does. */
    RunScriptResult run(String source, String inputJson, Duration timeout, long memoryBudget) {
        String runId = Ids.uuidV7().toString();
        long start = System.nanoTime();
        LogCollector logs = new LogCollector(limits.logBytes());
        RunScriptResult result;
        try {
            result = execute(runId, source, inputJson, timeout, memoryBudget, logs, start);
        } catch (RuntimeException e) {
            record(runId, "internal", start);
            throw e;
        }
        record(runId, result.error() == null ? "succeeded" : result.error().type().wire(), start);
        return result;
    }

    private RunScriptResult execute(String runId, String source, String inputJson, Duration timeout,
            long memoryBudget, LogCollector logs, long start) {
        long cpuAtStart = heap.cpuNanos();
        long allocatedAtStart = heap.allocatedBytes();
        MemoryMeter meter = new MemoryMeter(memoryBudget, allocatedAtStart, heap.last(), heap.lastFull());
        Run run = new Run(runId, timeout, memoryBudget, meter, Thread.currentThread().threadId(), logs, start,
                cpuAtStart, allocatedAtStart);
        Context context = engine.newContext(run::statementLimitReached);
        run.begin(context);
        try {
            ProxyExecutable sink = args -> {
                if (args.length > 0 && args[0].isString()) {
                    logs.add(args[0].asString());
                }
                return null;
            };
            Value parse = context.eval(setup).execute(sink);
            Value input = parse.execute(inputJson);
            Value function = context.eval(Source.newBuilder(SandboxEngine.LANGUAGE,
                    "(function(input) {\n" + source + "\n})", SOURCE_NAME).buildLiteral());
            if (!function.canExecute()) {
                return run.fail(ErrorType.SCRIPT_ERROR, "The source must be the body of a function of 'input'");
            }
            Value returned = function.execute(input);
            if (isThenable(returned)) {
                return run.fail(ErrorType.SCRIPT_ERROR, "async scripts are not supported yet");
            }
            JsonNode output = new OutputConverter(limits.outputBytes(), limits.outputDepth()).convert(returned);
            if (serializedSize(output) > limits.outputBytes()) {
                return run.fail(ErrorType.OUTPUT_LIMIT, "The output is larger than " + limits.outputBytes() + " bytes");
            }
            return run.succeed(output);
        } catch (PolyglotException e) {
            // the message is read while the watchdog still guards the context
            String message = e.isGuestException() ? scriptMessage(e) : null;
            if (!run.finish()) {
                return run.stopped();
            }
            if (e.isCancelled()) {
                // cancelled without a limit of this run: the engine is shutting down
                return run.failed(ErrorType.TIMEOUT, "The script was cancelled");
            }
            if (e.isInternalError() || e.isHostException()) {
                throw new IllegalStateException("GraalJS failed while running a script");
            }
            if (e.isResourceExhausted()) {
                return run.failed(ErrorType.MEMORY_LIMIT, "The script exhausted the memory available to it");
            }
            return classify(run, message == null ? "The script failed" : message);
        } catch (RefusedOutput e) {
            return run.fail(e.type(), e.getMessage());
        } catch (IllegalStateException e) {
            // the watchdog closed the context while the host was between two guest calls
            if (!run.finish()) {
                return run.stopped();
            }
            throw e;
        } finally {
            run.end();
            close(context);
        }
    }

    /** An uncaught guest error: a denied global, a size limit of the engine, or the script's own failure. */
    private RunScriptResult classify(Run run, String message) {
        Matcher notDefined = NOT_DEFINED.matcher(message);
        if (notDefined.matches() && DENIED_GLOBALS.contains(notDefined.group(1))) {
            return run.failed(ErrorType.FORBIDDEN, notDefined.group(1) + " is not available in the sandbox");
        }
        if (message.equals("RangeError: Invalid string length")) {
            return run.failed(ErrorType.MEMORY_LIMIT, "The script built a string longer than "
                    + limits.stringLength() + " characters");
        }
        if (message.startsWith("RangeError: Array operations are limited to ")) {
            return run.failed(ErrorType.MEMORY_LIMIT, "The script used an array operation on more than "
                    + limits.arrayLength() + " elements");
        }
        if (message.equals("RangeError: Array buffer allocation failed")
                || TYPED_ARRAY_LENGTH.matcher(message).matches()) {
            return run.failed(ErrorType.MEMORY_LIMIT, "The script asked for an array buffer larger than "
                    + limits.arrayBufferBytes() + " bytes");
        }
        return run.failed(ErrorType.SCRIPT_ERROR, message);
    }

    /**
     * Heap pressure: after a full collection that left more than the configured share of the heap in use, the running
     * execution with the largest memory estimate is stopped, one per collection. After a young collection over that
     * share a full one is requested first, since the old generation may still count garbage; only when a young
     * collection leaves the heap half-way between that share and full is the execution stopped at once. While runs
     * stopped by a limit are still unwinding (their memory not yet released), only a full collection that leaves the
     * heap in that emergency band stops a live run. Runs on the JVM's notification thread, so the collection and the
     * cancellation are handed off.
     */
    private void relieve(GcPoint gc) {
        if (gc.usedAfter() <= pressureBytes) {
            return;
        }
        // runs a limit already stopped still hold their memory until GraalJS has unwound them; while any does, the heap
        // in use says more about them than about the live runs, so a live run is stopped only in the emergency band
        // after a full collection (a benign run that holds the most must not pay for a bomb that is on its way out)
        boolean unwinding = running.stream().anyMatch(r -> r.state.get() != RUNNING && r.state.get() != DONE);
        if (!gc.full()) {
            heap.requestCollection(limits.forcedGcInterval().toNanos(), cancellations);
            if (gc.usedAfter() <= emergencyBytes || unwinding) {
                return;
            }
        } else if (unwinding && gc.usedAfter() <= emergencyBytes) {
            return;
        }
        // the run that holds the most by its estimate; when every estimate is small (estimates can be too low after
        // memory of earlier runs was freed, see MemoryMeter), the run that allocated the most since it began, if that
        // is a fair part of its budget: a run that allocated less cannot be what fills the heap (the memory is then
        // held by runs already stopped and unwinding, or is garbage the next collection frees), so none is stopped
        List<Run> candidates = running.stream().filter(r -> r.state.get() == RUNNING).toList();
        Run victim = candidates.stream().max(Comparator.comparingLong(r -> r.meter.estimate())).orElse(null);
        boolean byAllocation = false;
        if (victim != null && victim.meter.estimate() < victim.memoryBudget / 4) {
            victim = candidates.stream().filter(r -> r.allocatedSoFar() >= r.memoryBudget / 4)
                    .max(Comparator.comparingLong(Run::allocatedSoFar)).orElse(null);
            byAllocation = true;
        }
        if (victim != null && victim.stop(HEAP_PRESSURE)) {
            LOG.warnf("heap pressure: %d MiB in use after a %s collection (limit %d MiB); stopped the execution %s",
                    gc.usedAfter() >> 20, gc.full() ? "full" : "young", pressureBytes >> 20, byAllocation
                            ? "that allocated the most (" + (victim.allocatedSoFar() >> 20) + " MiB)"
                            : "holding the most (estimate " + (victim.meter.estimate() >> 20) + " MiB)");
        }
    }

    /**
     * Reports executions that a limit stopped but that still run {@code stuck-after} later: GraalJS lost the
     * cancellation (for example inside recursion that catches its own stack overflows) and only a restart ends them.
     */
    private void findStuck() {
        long now = System.nanoTime();
        long after = limits.stuckAfter().toNanos();
        for (Run r : running) {
            long stoppedAt = r.stoppedAt;
            if (stoppedAt != 0 && !r.stuck && now - stoppedAt > after) {
                r.stuck = true;
                stuckNow.incrementAndGet();
                stuckTotal.increment();
                LOG.errorf("execution %s is stuck: still running %d ms after its limit stopped it; GraalJS could not "
                        + "cancel it, so liveness fails until it ends and Kubernetes replaces this replica", r.runId,
                        TimeUnit.NANOSECONDS.toMillis(now - stoppedAt));
            }
        }
    }

    /** Executions stopped by a limit that are still running after {@code stuck-after}. */
    int stuck() {
        return stuckNow.get();
    }

    /** State and limits of one execution, shared between its thread, the watchdog and the heap listener. */
    private final class Run {
        private final Duration timeout;
        private final long memoryBudget;
        private final MemoryMeter meter;
        private final long threadId;
        private final LogCollector logs;
        private final long start;
        private final long cpuAtStart;
        private final long allocatedAtStart;
        private final AtomicInteger state = new AtomicInteger(RUNNING);
        private final String runId;
        private Context context;
        private ScheduledFuture<?> alarm;
        private ScheduledFuture<?> sampler;
        private volatile long stoppedAt;
        private volatile boolean stuck;

        Run(String runId, Duration timeout, long memoryBudget, MemoryMeter meter, long threadId, LogCollector logs,
                long start, long cpuAtStart, long allocatedAtStart) {
            this.runId = runId;
            this.timeout = timeout;
            this.memoryBudget = memoryBudget;
            this.meter = meter;
            this.threadId = threadId;
            this.logs = logs;
            this.start = start;
            this.cpuAtStart = cpuAtStart;
            this.allocatedAtStart = allocatedAtStart;
        }

        void begin(Context context) {
            this.context = context;
            running.add(this);
            long interval = Math.max(1, limits.memoryCheckInterval().toNanos());
            sampler = watchdog.scheduleAtFixedRate(this::sample, interval, interval, TimeUnit.NANOSECONDS);
            alarm = watchdog.schedule(() -> stop(TIMED_OUT), timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        /** Bytes the executing thread allocated since the run began, garbage included. */
        long allocatedSoFar() {
            return Math.max(0, heap.allocatedBytes(threadId) - allocatedAtStart);
        }

        private void sample() {
            if (state.get() != RUNNING) {
                return;
            }
            if (meter.sample(heap.allocatedBytes(threadId), heap.last(), heap.youngCapacity()) == Verdict.OVER) {
                stop(OVER_MEMORY);
            } else if (meter.estimate() > memoryBudget) {
                // over budget, but maybe only garbage: a collection tells (at most one per forced-gc-interval)
                heap.requestCollection(limits.forcedGcInterval().toNanos(), cancellations);
            }
        }

        /** Stops the run for {@code reason} unless it has already ended; the context is cancelled off this thread. */
        boolean stop(int reason) {
            if (!state.compareAndSet(RUNNING, reason)) {
                return false;
            }
            stoppedAt = System.nanoTime();
            Context c = context;
            cancellations.execute(() -> cancel(c));
            return true;
        }

        /** Called by GraalJS on the executing thread; GraalJS cancels the context itself. */
        void statementLimitReached() {
            if (state.compareAndSet(RUNNING, OVER_STATEMENTS)) {
                stoppedAt = System.nanoTime();
            }
        }

        /** Marks the run as finished by the script; false if a limit stopped it first. */
        boolean finish() {
            return state.compareAndSet(RUNNING, DONE) || state.get() == DONE;
        }

        void end() {
            running.remove(this);
            if (stuck) {
                stuckNow.decrementAndGet();
                LOG.warnf("stuck execution %s ended %d ms after its limit stopped it", runId,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt));
            }
            if (sampler != null) {
                sampler.cancel(false);
            }
            if (alarm != null) {
                alarm.cancel(false);
            }
        }

        RunScriptResult succeed(JsonNode output) {
            if (!finish()) {
                return stopped();
            }
            return RunScriptResult.succeeded(output, logs, millisSince(start), resources());
        }

        /** Fails with {@code type} unless a limit stopped the run first. */
        RunScriptResult fail(ErrorType type, String message) {
            if (!finish()) {
                return stopped();
            }
            return failed(type, message);
        }

        RunScriptResult failed(ErrorType type, String message) {
            return RunScriptResult.failed(type, message, logs, millisSince(start), resources());
        }

        /** The result of a run a limit stopped. */
        RunScriptResult stopped() {
            return switch (state.get()) {
                case OVER_MEMORY -> failed(ErrorType.MEMORY_LIMIT,
                        "The script used more than " + bytes(memoryBudget) + " of memory");
                case HEAP_PRESSURE -> failed(ErrorType.MEMORY_LIMIT,
                        "The script was stopped because the service ran short of memory and it held the most");
                case OVER_STATEMENTS -> failed(ErrorType.TIMEOUT,
                        "The script ran more than " + limits.statements() + " statements");
                default -> failed(ErrorType.TIMEOUT, "The script did not finish within " + timeout.toMillis() + " ms");
            };
        }

        private Resources resources() {
            long cpu = cpuAtStart < 0 ? -1 : (heap.cpuNanos() - cpuAtStart) / 1_000_000;
            return new Resources(cpu, Math.max(0, heap.allocatedBytes() - allocatedAtStart));
        }
    }

    private static String bytes(long n) {
        if (n >= 1 << 20 && n % (1 << 20) == 0) {
            return (n >> 20) + " MiB";
        }
        return n + " bytes";
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
            // already closing or closed: the execution thread reports the stop either way
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

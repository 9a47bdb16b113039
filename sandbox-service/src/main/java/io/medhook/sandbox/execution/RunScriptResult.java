package io.medhook.sandbox.execution;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The outcome of one execution. A script that fails is still a completed request (200): {@code status} says which.
 *
 * @param status whether the script returned a JSON-compatible value in time
 * @param output the returned value as JSON when it succeeded ({@code null} for {@code undefined}), absent otherwise
 * @param error why it failed, absent when it succeeded
 * @param logs console output, in order, capped
 * @param logsTruncated whether console output was dropped because of the cap
 * @param durationMs wall-clock time of the execution, without time spent waiting for a slot
 * @param resources what the execution consumed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "RunScriptResult")
public record RunScriptResult(
        @Schema(description = "`succeeded` or `failed`") Status status,
        @Schema(description = "The returned value as JSON (null for undefined); only when succeeded") JsonNode output,
        @Schema(description = "Why the script failed; only when failed") ExecutionError error,
        @Schema(description = "Console output, one entry per call, capped") List<String> logs,
        @Schema(description = "Whether console output was dropped at the cap") boolean logsTruncated,
        @Schema(description = "Wall-clock time of the execution in ms, without the wait for a slot") long durationMs,
        @Schema(description = "What the execution consumed") Resources resources) {

    public enum Status {
        @JsonProperty("succeeded")
        SUCCEEDED,
        @JsonProperty("failed")
        FAILED
    }

    /** Machine-readable failure kinds. */
    @Schema(name = "ErrorType")
    public enum ErrorType {
        /** The wall-clock limit or the statement limit was reached; the context was cancelled. */
        @JsonProperty("timeout")
        TIMEOUT,
        /** Syntax error, uncaught exception, or a return value that is not JSON-compatible. */
        @JsonProperty("script_error")
        SCRIPT_ERROR,
        /** The output is larger or deeper than allowed. */
        @JsonProperty("output_limit")
        OUTPUT_LIMIT,
        /**
         * The execution held more memory than its budget, the service ran short of heap and this execution held the
         * most, or a string or array buffer would have been larger than allowed.
         */
        @JsonProperty("memory_limit")
        MEMORY_LIMIT,
        /**
         * The script used a capability the sandbox deliberately lacks: a host, polyglot, Node.js or browser global
         * such as {@code Java}, {@code require}, {@code process}, {@code setTimeout} or {@code fetch}. They are absent
         * ({@code typeof} sees {@code undefined}); referencing one uncaught fails the run with this type.
         */
        @JsonProperty("forbidden")
        FORBIDDEN;

        /** The wire name, also used as the metrics tag. */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param type what kind of failure
     * @param message safe, human-readable detail: the script's own error message, never a host stack trace
     */
    @Schema(name = "ExecutionError")
    public record ExecutionError(
            @Schema(description = "timeout, memory_limit, output_limit, forbidden or script_error") ErrorType type,
            @Schema(description = "The script's own error message or a fixed text; never a host stack trace")
            String message) {
    }

    /**
     * @param cpuTimeMs CPU time of the thread that ran the script, in milliseconds (-1 if the JVM cannot tell)
     * @param allocatedBytes bytes that thread allocated during the run, garbage included
     */
    @Schema(name = "ExecutionResources")
    public record Resources(
            @Schema(description = "CPU time of the executing thread in ms, -1 if unknown") long cpuTimeMs,
            @Schema(description = "Bytes the executing thread allocated, garbage included") long allocatedBytes) {
    }

    static RunScriptResult succeeded(JsonNode output, LogCollector logs, long durationMs, Resources resources) {
        return new RunScriptResult(Status.SUCCEEDED, output, null, logs.entries(), logs.truncated(), durationMs,
                resources);
    }

    static RunScriptResult failed(ErrorType type, String message, LogCollector logs, long durationMs,
            Resources resources) {
        return new RunScriptResult(Status.FAILED, null, new ExecutionError(type, message), logs.entries(),
                logs.truncated(), durationMs, resources);
    }
}

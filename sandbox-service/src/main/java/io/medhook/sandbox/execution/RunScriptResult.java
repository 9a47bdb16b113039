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
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunScriptResult(Status status, JsonNode output, ExecutionError error, List<String> logs,
        boolean logsTruncated, long durationMs) {

    public enum Status {
        @JsonProperty("succeeded")
        SUCCEEDED,
        @JsonProperty("failed")
        FAILED
    }

    /** Machine-readable failure kinds. */
    public enum ErrorType {
        /** The wall-clock limit was reached; the context was cancelled. */
        @JsonProperty("timeout")
        TIMEOUT,
        /** Syntax error, uncaught exception, or a return value that is not JSON-compatible. */
        @JsonProperty("script_error")
        SCRIPT_ERROR,
        /** The output is larger or deeper than allowed. */
        @JsonProperty("output_limit")
        OUTPUT_LIMIT,
        /** The guest exhausted a resource (heap, as reported by GraalJS). */
        @JsonProperty("memory_limit")
        MEMORY_LIMIT,
        /**
         * Reserved for a denied capability reported as such. Not produced yet: the denied globals ({@code Java},
         * {@code load}, ...) do not exist at all, so using them is a ReferenceError, reported as {@code script_error}.
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
    public record ExecutionError(ErrorType type, String message) {
    }

    static RunScriptResult succeeded(JsonNode output, LogCollector logs, long durationMs) {
        return new RunScriptResult(Status.SUCCEEDED, output, null, logs.entries(), logs.truncated(), durationMs);
    }

    static RunScriptResult failed(ErrorType type, String message, LogCollector logs, long durationMs) {
        return new RunScriptResult(Status.FAILED, null, new ExecutionError(type, message), logs.entries(),
                logs.truncated(), durationMs);
    }
}

package io.medhook.sandbox.execution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import java.io.IOException;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One script to run.
 *
 * @param source the body of a function of {@code input}; what it returns is the output
 * @param input any JSON value, visible to the script as {@code input}; absent means {@code null}
 * @param timeoutMs optional wall-clock limit in milliseconds, at most the configured limit
 * @param memoryBytes optional memory limit in bytes, at most the configured limit
 */
@Schema(name = "RunScriptRequest")
public record RunScriptRequest(
        @Schema(required = true, description = "Function body; sees `input`, its return value is the output.",
                example = "return {id: input.body.id, twice: input.body.n * 2};") String source,
        @Schema(description = "Any JSON value, visible to the script as `input`.") JsonNode input,
        @Schema(description = "Wall-clock limit in ms; values above the service limit are lowered to it.",
                minimum = "1") Integer timeoutMs,
        @Schema(description = "Memory limit in bytes (see the README for how memory is measured); values above the "
                + "service limit are lowered to it.", minimum = "1") Long memoryBytes) {

    /** A request with the service's own limits. */
    public RunScriptRequest(String source, JsonNode input, Integer timeoutMs) {
        this(source, input, timeoutMs, null);
    }

    /**
     * Reads a request body: 413 when it is larger than {@code maxBytes}, 400 when it is not a JSON object of this
     * shape. Details name fields, never values.
     */
    static RunScriptRequest read(byte[] body, int maxBytes, ObjectMapper mapper) {
        if (body.length > maxBytes) {
            throw new MedhookException(ErrorKind.PAYLOAD_TOO_LARGE, "The request body is larger than " + maxBytes
                    + " bytes");
        }
        try {
            RunScriptRequest request = mapper.readValue(body, RunScriptRequest.class);
            if (request == null) {
                throw MedhookException.badRequest("The request body must be a JSON object");
            }
            return request;
        } catch (MismatchedInputException e) {
            String field = e.getPath().isEmpty() ? null : e.getPath().get(0).getFieldName();
            throw MedhookException.badRequest(field == null ? "The request body must be a JSON object"
                    : "Field '" + field + "' has the wrong type or format");
        } catch (JsonProcessingException e) {
            throw MedhookException.badRequest("Request body is not valid JSON");
        } catch (IOException e) {
            throw MedhookException.badRequest("Request body could not be read");
        }
    }
}

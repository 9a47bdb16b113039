package io.medhook.workflow.sandbox;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** What sandbox-service answers: {@code succeeded} with an output, or {@code failed} with an error type. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SandboxResult(String status, JsonNode output, List<String> logs, Long durationMs, Error error) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Error(String type, String message) {
    }

    public boolean succeeded() {
        return "succeeded".equals(status);
    }
}

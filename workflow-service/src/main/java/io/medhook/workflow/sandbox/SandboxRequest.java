package io.medhook.workflow.sandbox;

import com.fasterxml.jackson.databind.JsonNode;

public record SandboxRequest(String source, JsonNode input, Integer timeoutMs) {

    @Override
    public String toString() {
        return "SandboxRequest[source=" + source.length() + " chars]"; // never the code or the input
    }
}

package io.medhook.workflow.egress;

import java.util.Map;

public record EgressResponse(int status, Map<String, String> headers, byte[] body) {
}

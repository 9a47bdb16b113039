package io.medhook.workflow.definition;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Set;

/**
 * Optional per-workflow settings ({@code "settings"} of a definition). Every field is optional; unknown fields are
 * refused (400) like anywhere else in a definition.
 *
 * @param payloads which payloads (trigger input, step outputs, step error messages) are kept once an execution has
 *        ended: {@code all} (default), {@code errors} (only when the execution failed), {@code none}
 */
@JsonIgnoreProperties(ignoreUnknown = false)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WorkflowSettings(String payloads) {

    public static final String PAYLOADS_ALL = "all";
    public static final Set<String> PAYLOAD_POLICIES = Set.of("all", "errors", "none");

    /** The payload policy, {@code all} when not set. */
    public String payloadsOrDefault() {
        return payloads == null ? PAYLOADS_ALL : payloads;
    }
}

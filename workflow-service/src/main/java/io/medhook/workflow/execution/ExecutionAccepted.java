package io.medhook.workflow.execution;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The answer to a queued execution (manual run or re-run); {@code rerunOf} names the execution a re-run repeats. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExecutionAccepted(String executionId, String rerunOf) {
}

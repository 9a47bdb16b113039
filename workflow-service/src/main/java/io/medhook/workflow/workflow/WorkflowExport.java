package io.medhook.workflow.workflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.medhook.workflow.definition.WorkflowDefinition;
import java.util.List;

/**
 * A workflow as a self-contained document, for export and import. It never carries the webhook token, and never a
 * credential: the values of credential-bearing headers (Authorization, API keys, cookies, …) are exported empty and
 * listed in {@code redacted}, so whoever imports knows what to fill in. On import, {@code version} and
 * {@code redacted} are informational; the new workflow starts at version 1 with a new id and webhook URL.
 *
 * @param format always {@value #FORMAT}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WorkflowExport(String format, String name, WorkflowDefinition definition, Integer version,
        List<Redacted> redacted) {

    public static final String FORMAT = "medhook.workflow/v1";

    /** A header whose value was left out of the export. */
    public record Redacted(String node, String header) {
    }
}

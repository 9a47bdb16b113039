package io.medhook.workflow.definition;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The output of {@code from} becomes the input of {@code to}. {@code when} labels an edge out of a {@code condition}
 * node: the edge is taken when the condition's result equals it. Edges out of other nodes carry no label.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EdgeDefinition(String from, String to, Boolean when) {

    public EdgeDefinition(String from, String to) {
        this(from, to, null);
    }
}

package io.medhook.workflow.promotion;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** What auth-service answers for {@code GET /api/v1/workspaces}; only the fields promotion needs are read. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AuthWorkspaceList(List<Item> items) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Item(String id, String kind, String role) {
    }
}

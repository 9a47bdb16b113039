package io.medhook.workflow.promotion;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Map;

/**
 * Promotion of one workflow version into a production workspace.
 *
 * @param targetWorkspaceId the production workspace (the caller must be its admin)
 * @param targetWorkflowId a workflow of the production workspace to receive the copy as its next version; absent: a
 *        new workflow is created
 * @param name the production workflow's name; absent: the version's own
 * @param credentials every credential id the version references (sandbox) to a credential id of the production
 *        workspace
 * @param workflows every workflow a subworkflow node calls (sandbox) to a workflow of the production workspace
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record PromoteRequest(String targetWorkspaceId, String targetWorkflowId, String name,
        Map<String, String> credentials, Map<String, String> workflows) {
}

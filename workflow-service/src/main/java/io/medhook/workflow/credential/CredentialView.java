package io.medhook.workflow.credential;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A credential as the API shows it: non-secret fields with their values, secret fields by name only.
 *
 * @param fields the non-secret fields that are set, with their values
 * @param secretFieldsSet the names of the secret fields that are set; their values are never returned
 */
public record CredentialView(String id, String workspaceId, String name, String type, Map<String, String> fields,
        List<String> secretFieldsSet, Instant createdAt, Instant updatedAt, int version) {
}

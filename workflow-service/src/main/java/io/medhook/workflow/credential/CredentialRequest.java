package io.medhook.workflow.credential;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Body of create and update. {@code fields} is an object of strings keyed by the type's field names. On update,
 * omitted fields keep their value, {@code null} removes an optional field, and {@code name}/{@code type} may be omitted.
 */
public record CredentialRequest(String name, String type, JsonNode fields) {
}

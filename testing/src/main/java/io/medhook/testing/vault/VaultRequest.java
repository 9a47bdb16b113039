package io.medhook.testing.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One request the {@link VaultDouble} received, as a route handler sees it.
 *
 * @param method     {@code GET}, {@code POST} (Vault treats {@code PUT} the same), {@code DELETE} or {@code LIST}
 *                   ({@code GET ?list=true} is normalised to {@code LIST}, as Vault does)
 * @param path       the API path without the {@code /v1/} prefix, e.g. {@code transit/encrypt/medhook-workflow}
 * @param params     values captured by the route pattern ({@code {name}} and {@code {rest*}})
 * @param query      query parameters (first value of each)
 * @param headers    request headers, lower-case names
 * @param body       the JSON body (an empty object when there was none)
 * @param token      the presented {@code X-Vault-Token} (or {@code Authorization: Bearer}), null when absent
 * @param tokenInfo  the token's entry when the token is known and valid, else null
 */
public record VaultRequest(String method, String path, Map<String, String> params, Map<String, String> query,
        Map<String, List<String>> headers, ObjectNode body, String token, VaultTokens.Token tokenInfo) {

    /** A captured path parameter. */
    public String param(String name) {
        return params.get(name);
    }

    /** A body field as text, or null when absent or JSON null. */
    public String text(String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    /** A body field as an integer, or {@code dflt} when absent or JSON null. */
    public int integer(String field, int dflt) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull() || n.asText().isEmpty()) {
            return dflt;
        }
        if (n.isNumber()) {
            return n.asInt();
        }
        try {
            return Integer.parseInt(n.asText());
        } catch (NumberFormatException e) {
            throw new VaultError(400, "error converting input " + n.asText() + " for field \"" + field + "\"");
        }
    }

    /** A body field as a boolean, or {@code dflt} when absent or JSON null. */
    public boolean bool(String field, boolean dflt) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        return n.isBoolean() ? n.asBoolean() : Boolean.parseBoolean(n.asText());
    }

    /** The policies of the calling token (empty when the request carried no valid token). */
    public Set<String> policies() {
        return tokenInfo == null ? Set.of() : Set.copyOf(tokenInfo.policies());
    }

    /** The first value of a header, case-insensitive. */
    public Optional<String> header(String name) {
        List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    /**
     * The ACL capability Vault would check for this request: {@code read}, {@code list}, {@code delete}, or
     * {@code update} for writes (Vault uses {@code create} instead when the target does not exist yet; routes that
     * care can decide that themselves).
     */
    public String capability() {
        return switch (method) {
            case "GET" -> "read";
            case "LIST" -> "list";
            case "DELETE" -> "delete";
            default -> "update";
        };
    }
}

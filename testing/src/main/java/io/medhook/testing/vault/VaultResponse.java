package io.medhook.testing.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.UUID;

/**
 * A successful answer of the {@link VaultDouble}: a status and a JSON body (none for 204). The factories build Vault's
 * response envelope: {@code request_id}, {@code lease_id}, {@code renewable}, {@code lease_duration}, {@code data},
 * {@code wrap_info}, {@code warnings}, {@code auth}, {@code mount_type}.
 */
public record VaultResponse(int status, JsonNode body) {

    static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** 204 No Content: Vault's answer to writes that return nothing. */
    public static VaultResponse noContent() {
        return new VaultResponse(204, null);
    }

    /** 200 with a bare JSON body (sys/health, sys/seal-status and sys/leases/renew answer without the envelope). */
    public static VaultResponse raw(int status, JsonNode body) {
        return new VaultResponse(status, body);
    }

    /** 200 with {@code data} in the standard envelope. */
    public static VaultResponse data(JsonNode data) {
        return new VaultResponse(200, envelope(data, null, "", false, 0));
    }

    /** 200 with {@code data} and a lease (dynamic secrets). */
    public static VaultResponse lease(JsonNode data, String leaseId, boolean renewable, long leaseSeconds) {
        return new VaultResponse(200, envelope(data, null, leaseId, renewable, leaseSeconds));
    }

    /** 200 with an {@code auth} block (logins, token create and renew). */
    public static VaultResponse auth(JsonNode auth) {
        return new VaultResponse(200, envelope(null, auth, "", false, 0));
    }

    /** A new empty JSON object for building {@code data}. */
    public static ObjectNode object() {
        return JSON.objectNode();
    }

    static ObjectNode envelope(JsonNode data, JsonNode auth, String leaseId, boolean renewable, long leaseSeconds) {
        ObjectNode o = JSON.objectNode();
        o.put("request_id", UUID.randomUUID().toString());
        o.put("lease_id", leaseId);
        o.put("renewable", renewable);
        o.put("lease_duration", leaseSeconds);
        o.set("data", data == null ? JSON.nullNode() : data);
        o.putNull("wrap_info");
        o.putNull("warnings");
        o.set("auth", auth == null ? JSON.nullNode() : auth);
        o.put("mount_type", "");
        return o;
    }
}

package io.medhook.workflow.delivery;

import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.secrets.Aead;
import io.medhook.common.secrets.KeyEncryption;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

/**
 * Encryption of what belongs to a webhook endpoint, exactly like credentials: a random AES-256-GCM data key of the
 * endpoint's own, wrapped by the key-encryption key with the context {@code webhook-endpoint/<workspace>/<endpoint>}.
 * Each ciphertext's associated data names what it is and the rows it belongs to:
 * {@code medhook:webhook-endpoint:v1:secrets:<workspace>:<endpoint>} for the signing secrets,
 * {@code medhook:webhook-delivery:v1:body:<workspace>:<endpoint>:<delivery>} for a delivery body and
 * {@code medhook:webhook-delivery:v1:response:<workspace>:<endpoint>:<delivery>:<attempt>} for a stored response body.
 * A ciphertext or wrapped key copied to another row or workspace does not decrypt. The data key stays the same across
 * secret rotations (bodies sealed before a rotation stay readable).
 */
@ApplicationScoped
public class EndpointCrypto {

    /** A fresh data key and its wrapped form. */
    record DataKey(byte[] key, String wrapped) {
    }

    private final KeyEncryption kek;

    public EndpointCrypto(KeyEncryption kek) {
        this.kek = kek;
    }

    Uni<DataKey> newKey(UUID workspaceId, UUID endpointId) {
        byte[] key = Aead.newKey();
        return kek.wrap(key, keyContext(workspaceId, endpointId)).map(w -> new DataKey(key, w));
    }

    Uni<byte[]> openKey(UUID workspaceId, UUID endpointId, String wrapped) {
        return Uni.createFrom().deferred(() -> kek.unwrap(wrapped, keyContext(workspaceId, endpointId)))
                .onFailure(Aead.CryptoException.class).transform(e -> unreadable(endpointId, e))
                .onFailure(IllegalArgumentException.class).transform(e -> unreadable(endpointId, e));
    }

    static String keyContext(UUID workspaceId, UUID endpointId) {
        return "webhook-endpoint/" + workspaceId + "/" + endpointId;
    }

    static byte[] sealSecrets(byte[] key, UUID ws, UUID endpoint, byte[] json) {
        return Aead.encrypt(key, json, aad("webhook-endpoint:v1:secrets", ws, endpoint));
    }

    static byte[] openSecrets(byte[] key, UUID ws, UUID endpoint, byte[] sealed) {
        return open(key, sealed, aad("webhook-endpoint:v1:secrets", ws, endpoint), endpoint);
    }

    static byte[] sealBody(byte[] key, UUID ws, UUID endpoint, UUID delivery, byte[] body) {
        return Aead.encrypt(key, body, aad("webhook-delivery:v1:body", ws, endpoint, delivery));
    }

    static byte[] openBody(byte[] key, UUID ws, UUID endpoint, UUID delivery, byte[] sealed) {
        return open(key, sealed, aad("webhook-delivery:v1:body", ws, endpoint, delivery), endpoint);
    }

    static byte[] sealResponse(byte[] key, UUID ws, UUID endpoint, UUID delivery, int attempt, byte[] body) {
        return Aead.encrypt(key, body, aad("webhook-delivery:v1:response", ws, endpoint, delivery, attempt));
    }

    static byte[] openResponse(byte[] key, UUID ws, UUID endpoint, UUID delivery, int attempt, byte[] sealed) {
        return open(key, sealed, aad("webhook-delivery:v1:response", ws, endpoint, delivery, attempt), endpoint);
    }

    private static byte[] open(byte[] key, byte[] sealed, byte[] aad, UUID endpoint) {
        try {
            return Aead.decrypt(key, sealed, aad);
        } catch (Aead.CryptoException e) {
            throw unreadable(endpoint, e);
        }
    }

    private static byte[] aad(String what, Object... ids) {
        StringBuilder sb = new StringBuilder("medhook:").append(what);
        for (Object id : ids) {
            sb.append(':').append(id);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Stored material that does not belong to the endpoint, was altered, or whose KEK version is gone: a 500. */
    static MedhookException unreadable(UUID endpointId, Throwable cause) {
        return new MedhookException(ErrorKind.INTERNAL, "Webhook endpoint " + endpointId + " cannot be decrypted: "
                + "its stored secrets, bodies or wrapped data key do not belong to it, were altered, or were wrapped "
                + "by a key-encryption key that is no longer available", Map.of(), cause);
    }
}

package io.medhook.workflow.credential;

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
 * Encryption of a credential's secret fields: one JSON document, AES-256-GCM under a random data key of the
 * credential's own. The data key is wrapped by the key-encryption key with the context
 * {@code credential/<workspace>/<credential>}; the ciphertext's associated data is
 * {@code medhook:credential:v1:secrets:<workspace>:<credential>}. A ciphertext or wrapped key copied into another row
 * or workspace therefore does not decrypt.
 */
@ApplicationScoped
public class CredentialCrypto {

    /** A fresh data key and its wrapped form. */
    record DataKey(byte[] key, String wrapped) {
    }

    private final KeyEncryption kek;

    public CredentialCrypto(KeyEncryption kek) {
        this.kek = kek;
    }

    Uni<DataKey> newKey(UUID workspaceId, UUID credentialId) {
        byte[] key = Aead.newKey();
        return kek.wrap(key, keyContext(workspaceId, credentialId)).map(w -> new DataKey(key, w));
    }

    /** Unwraps a credential's data key; failures become {@link #unreadable}. */
    Uni<byte[]> openKey(UUID workspaceId, UUID credentialId, String wrapped) {
        return Uni.createFrom().deferred(() -> kek.unwrap(wrapped, keyContext(workspaceId, credentialId)))
                .onFailure(Aead.CryptoException.class).transform(e -> unreadable(credentialId, e))
                .onFailure(IllegalArgumentException.class).transform(e -> unreadable(credentialId, e));
    }

    /** Wraps an existing data key again under the current key-encryption key (rotation). */
    Uni<String> rewrap(UUID workspaceId, UUID credentialId, String wrapped) {
        return Uni.createFrom().deferred(() -> kek.rewrap(wrapped, keyContext(workspaceId, credentialId)))
                .onFailure(Aead.CryptoException.class).transform(e -> unreadable(credentialId, e))
                .onFailure(IllegalArgumentException.class).transform(e -> unreadable(credentialId, e));
    }

    static byte[] seal(byte[] key, UUID workspaceId, UUID credentialId, byte[] secretsJson) {
        return Aead.encrypt(key, secretsJson, aad(workspaceId, credentialId));
    }

    static byte[] unseal(byte[] key, UUID workspaceId, UUID credentialId, byte[] sealed) {
        try {
            return Aead.decrypt(key, sealed, aad(workspaceId, credentialId));
        } catch (Aead.CryptoException e) {
            throw unreadable(credentialId, e);
        }
    }

    static String keyContext(UUID workspaceId, UUID credentialId) {
        return "credential/" + workspaceId + "/" + credentialId;
    }

    static byte[] aad(UUID workspaceId, UUID credentialId) {
        return ("medhook:credential:v1:secrets:" + workspaceId + ":" + credentialId).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A credential whose wrapped key or ciphertext does not belong to it (copied from another row or workspace, or
     * altered), or whose key-encryption key version is no longer available. A 500 with an error id; the message names
     * the credential only.
     */
    static MedhookException unreadable(UUID credentialId, Throwable cause) {
        return new MedhookException(ErrorKind.INTERNAL, "Credential " + credentialId + " cannot be decrypted: its "
                + "stored secrets or wrapped data key do not belong to it, were altered, or were wrapped by a "
                + "key-encryption key that is no longer available", Map.of(), cause);
    }
}

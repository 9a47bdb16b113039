package io.medhook.workflow.engine;

import io.medhook.common.secrets.Aead;
import io.medhook.common.secrets.KeyEncryption;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Execution payloads (trigger input, step outputs, step error messages) are PHI: AES-256-GCM under a data key of their
 * own execution, wrapped by the key-encryption key. Associated data binds each ciphertext to its execution and slot,
 * so a ciphertext copied into another row does not decrypt.
 */
@ApplicationScoped
public class PayloadCrypto {

    /** A fresh data key and its wrapped form. */
    public record DataKey(byte[] key, String wrapped) {
    }

    private final KeyEncryption kek;

    public PayloadCrypto(KeyEncryption kek) {
        this.kek = kek;
    }

    public Uni<DataKey> newKey(UUID workspaceId, UUID executionId) {
        byte[] key = Aead.newKey();
        return kek.wrap(key, context(workspaceId, executionId)).map(w -> new DataKey(key, w));
    }

    public Uni<byte[]> open(UUID workspaceId, UUID executionId, String wrapped) {
        return kek.unwrap(wrapped, context(workspaceId, executionId));
    }

    public static byte[] seal(byte[] key, UUID executionId, String slot, byte[] plaintext) {
        return Aead.encrypt(key, plaintext, aad(executionId, slot));
    }

    public static byte[] unseal(byte[] key, UUID executionId, String slot, byte[] sealed) {
        return Aead.decrypt(key, sealed, aad(executionId, slot));
    }

    public static String inputSlot() {
        return "input";
    }

    public static String outputSlot(String nodeId) {
        return "step:" + nodeId + ":output";
    }

    public static String errorSlot(String nodeId) {
        return "step:" + nodeId + ":error";
    }

    /** The Transit context (KEK associated data) of an execution's data key. */
    public static String context(UUID workspaceId, UUID executionId) {
        return "execution/" + workspaceId + "/" + executionId;
    }

    private static byte[] aad(UUID executionId, String slot) {
        return ("execution:" + executionId + ":" + slot).getBytes(StandardCharsets.UTF_8);
    }
}

package io.medhook.audit.event;

import java.nio.charset.StandardCharsets;

/**
 * A signed statement that the chain's event {@code seq} has hash {@code hash}, made at {@code createdAt} (ISO-8601,
 * UTC). The signature is Ed25519 over {@link #signedText()}, base64; {@code keyId} is the first 16 hex digits of the
 * SHA-256 of the public key (X.509 SubjectPublicKeyInfo).
 */
public record Checkpoint(long seq, String hash, String createdAt, String keyId, String signature) {

    /** The exact bytes that are signed. */
    public String signedText() {
        return text(seq, hash, createdAt);
    }

    static String text(long seq, String hash, String createdAt) {
        return "medhook-audit-checkpoint/1\n" + seq + "\n" + hash + "\n" + createdAt;
    }

    byte[] signedBytes() {
        return signedText().getBytes(StandardCharsets.UTF_8);
    }
}

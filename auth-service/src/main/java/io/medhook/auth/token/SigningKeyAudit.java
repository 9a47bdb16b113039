package io.medhook.auth.token;

/**
 * What the audit trail keeps of a new token-signing key ({@code signing-key.create}, through {@code AuditChange}):
 * its id and algorithm. The private key and its wrapped data key are never part of it.
 */
public record SigningKeyAudit(String kid, String algorithm) {
}

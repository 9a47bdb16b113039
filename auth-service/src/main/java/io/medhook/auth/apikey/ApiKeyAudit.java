package io.medhook.auth.apikey;

import io.medhook.common.audit.Sensitive;
import io.medhook.common.audit.Sensitivity;
import java.time.Instant;

/**
 * What the audit trail keeps of an API key ({@code api-key.*} events, through {@code AuditChange}). The key itself is
 * never held; its SHA-256 is secret (it verifies the key), so a rotation shows that it changed without a value.
 *
 * @param prefix the display prefix ({@link ApiKeyTokens#displayPrefix}): shown in listings to tell keys apart, it
 *        cannot authenticate (the 272 bits after it are never stored), so it is declared clear
 */
public record ApiKeyAudit(String id, String name, String role, @Sensitive(Sensitivity.CLEAR) String prefix,
        Instant expiresAt, boolean revoked, @Sensitive(Sensitivity.SECRET) byte[] keyHash) {

    public static ApiKeyAudit of(ApiKey k) {
        return new ApiKeyAudit(k.id.toString(), k.name, k.role, k.prefix, k.expiresAt, k.revokedAt != null,
                k.keyHash);
    }
}

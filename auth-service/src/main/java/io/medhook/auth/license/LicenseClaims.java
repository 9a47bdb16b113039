package io.medhook.auth.license;

import java.time.Instant;
import java.util.Map;

/**
 * What a verified license says: who it is for, the plan, its numeric limits (name → maximum) and its validity window.
 * These claims and the SHA-256 of the license key are all MedHook stores; the key itself is never kept.
 */
public record LicenseClaims(String licenseId, String licensee, String plan, Map<String, Long> limits,
        Instant issuedAt, Instant expiresAt) {

    public boolean expiredAt(Instant now) {
        return !expiresAt.isAfter(now);
    }
}

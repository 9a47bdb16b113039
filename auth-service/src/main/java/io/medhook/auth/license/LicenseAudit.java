package io.medhook.auth.license;

import java.time.Instant;
import java.util.Map;

/**
 * What the audit trail keeps of an installed license ({@code license.install}, through {@code AuditChange}): its
 * claims. The license key and its hash are never part of it.
 */
public record LicenseAudit(String licenseId, String plan, Map<String, Long> limits, Instant expiresAt) {

    static LicenseAudit of(License l) {
        return new LicenseAudit(l.licenseId, l.plan, l.limitMap(), l.expiresAt);
    }
}

package io.medhook.auth.license;

import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;

/**
 * The installed license as the API shows it: claims, status and a short fingerprint of the key's hash (enough to tell
 * two licenses apart, never enough to rebuild the key).
 */
public record LicenseView(String licenseId, String licensee, String plan, Map<String, Long> limits, Instant issuedAt,
        Instant expiresAt, String status, String fingerprint, Instant installedAt) {

    static LicenseView of(License l, Instant now) {
        return new LicenseView(l.licenseId, l.licensee, l.plan, l.limitMap(), l.issuedAt, l.expiresAt,
                l.expiresAt.isAfter(now) ? "active" : "expired",
                HexFormat.of().formatHex(l.keyHash, 0, 8), l.installedAt);
    }
}

package io.medhook.auth.license;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** {@code {"key": "MHL1.…"}}: the license key as the vendor delivered it. */
public record InstallLicenseRequest(@NotBlank @Size(max = LicenseVerifier.MAX_KEY_LENGTH) String key) {
}

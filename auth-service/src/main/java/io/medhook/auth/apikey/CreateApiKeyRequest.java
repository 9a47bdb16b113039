package io.medhook.auth.apikey;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;

/** {@code expiresAt} is optional; without it the key lives until revoked. */
public record CreateApiKeyRequest(
        @NotBlank @Size(max = 100) String name,
        @NotBlank @Pattern(regexp = "admin|editor|viewer|auditor", message = "must be admin, editor, viewer or auditor")
        String role,
        Instant expiresAt) {
}

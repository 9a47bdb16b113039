package io.medhook.testing.vault;

import java.util.List;

/**
 * An error answer of the {@link VaultDouble} in Vault's shape: the HTTP status and {@code {"errors":[...]}}. Thrown by
 * route handlers; Vault answers 404 for a missing resource with an empty list ({@code {"errors":[]}}).
 */
public final class VaultError extends RuntimeException {

    private final int status;
    private final List<String> errors;

    public VaultError(int status, String... errors) {
        super(status + " " + String.join("; ", errors), null, false, false);
        this.status = status;
        this.errors = List.of(errors);
    }

    public int status() {
        return status;
    }

    public List<String> errors() {
        return errors;
    }

    /** 403 {@code permission denied}: Vault's answer to a missing, unknown or expired token and to an ACL refusal. */
    public static VaultError permissionDenied() {
        return new VaultError(403, "permission denied");
    }

    /** 404 with an empty error list: Vault's answer when the thing read does not exist. */
    public static VaultError notFound() {
        return new VaultError(404);
    }
}

package io.medhook.auth.user;

import io.medhook.common.audit.Sensitive;
import io.medhook.common.audit.Sensitivity;

/**
 * What the audit trail keeps of a user ({@code user.*} events, through {@code AuditChange}).
 *
 * <p>Username and display name stay clear: MedHook users are workforce members, never patients, so their names (and an
 * e-mail used as username) are personal data but not PHI, and the trail must say which account was changed; the
 * actor of every event carries the same name anyway. The password hash is a secret: a changed password shows as
 * changed, never as a value.
 *
 * @param provider the identity provider that created the user at its first OIDC login; null for local users
 */
public record UserAudit(String username, String displayName, boolean owner, boolean disabled, boolean bootstrap,
        @Sensitive(Sensitivity.SECRET) String passwordHash, String provider) {

    public static UserAudit of(User u) {
        return of(u, null);
    }

    public static UserAudit of(User u, String provider) {
        return new UserAudit(u.username, u.displayName, u.owner, u.disabled, u.bootstrap, u.passwordHash, provider);
    }
}

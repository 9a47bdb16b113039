package io.medhook.common.security;

/** Whether a login session was revoked (logout, admin revocation, user disabled or demoted). */
public interface RevocationCheck {

    boolean isSessionRevoked(String sessionId);
}

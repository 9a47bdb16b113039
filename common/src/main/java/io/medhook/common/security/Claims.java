package io.medhook.common.security;

/** Names of MedHook's private JWT claims, shared by the issuer and every verifier. */
public final class Claims {
    /** Principal kind: {@code user}, {@code service} or {@code api-key}. */
    public static final String KIND = "mht";
    /** Login session id (users only). */
    public static final String SESSION = "sid";
    /** Instance-level roles. */
    public static final String ROLES = "roles";
    /** Workspace memberships: an object of workspace id to role. */
    public static final String WORKSPACES = "ws";
    /** Display name. */
    public static final String NAME = "preferred_username";

    /** Audience of user tokens, accepted by every user-facing API. */
    public static final String AUD_API = "medhook-api";
    public static final String AUD_SANDBOX = "medhook-sandbox";
    public static final String AUD_AUDIT = "medhook-audit";
    public static final String AUD_WORKFLOW = "medhook-workflow";
    public static final String AUD_AUTH = "medhook-auth";

    /** The longest life any access token may have. */
    public static final long MAX_LIFETIME_SECONDS = 7200;

    private Claims() {
    }
}

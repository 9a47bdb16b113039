package io.medhook.auth.apikey;

import io.medhook.auth.workspace.Workspace;
import io.medhook.common.security.ApiKeyVerifier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The API key format: {@code mh_sk_sbx_} (sandbox workspaces) or {@code mh_sk_live_} (production) followed by the
 * base64url encoding of 40 random bytes (320 bits). The first {@value #DISPLAY_CHARS} characters after the kind prefix
 * are shown as the key's prefix; the 272 bits after them are never displayed nor stored.
 */
public final class ApiKeyTokens {

    public static final String SANDBOX_PREFIX = ApiKeyVerifier.PREFIX + "sbx_";
    public static final String LIVE_PREFIX = ApiKeyVerifier.PREFIX + "live_";
    static final int RANDOM_BYTES = 40;
    static final int DISPLAY_CHARS = 8;
    private static final Pattern FORMAT = Pattern.compile("mh_sk_(sbx|live)_[A-Za-z0-9_-]{54}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeyTokens() {
    }

    /** A new key for a workspace of {@code workspaceKind}. */
    public static String generate(String workspaceKind) {
        byte[] b = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(b);
        return kindPrefix(workspaceKind) + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public static String kindPrefix(String workspaceKind) {
        return switch (workspaceKind) {
            case Workspace.SANDBOX -> SANDBOX_PREFIX;
            case Workspace.PRODUCTION -> LIVE_PREFIX;
            default -> throw new IllegalArgumentException("unknown workspace kind");
        };
    }

    /** The part of a key that is stored and shown: the kind prefix and the next few characters. */
    public static String displayPrefix(String key) {
        String kind = key.startsWith(LIVE_PREFIX) ? LIVE_PREFIX : SANDBOX_PREFIX;
        return key.substring(0, kind.length() + DISPLAY_CHARS);
    }

    /** Whether {@code key} has the shape of a MedHook API key (checked before any lookup). */
    public static boolean wellFormed(String key) {
        return key != null && FORMAT.matcher(key).matches();
    }

    public static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Hex of the hash: the cache key, so the key itself is never held in memory longer than a request. */
    public static String fingerprint(byte[] hash) {
        return HexFormat.of().formatHex(hash);
    }
}

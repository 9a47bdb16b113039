package io.medhook.workflow.delivery;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Standard Webhooks signing scheme (https://www.standardwebhooks.com, as the npm {@code standardwebhooks} package
 * implements it): a secret is {@code whsec_} followed by the base64 of the key bytes; the signature of a message is
 * {@code v1,} + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{raw body}")); several signatures are
 * separated by a space.
 */
public final class StandardWebhooks {

    public static final String PREFIX = "whsec_";
    /** Random bytes of a new secret (the spec asks for 24 to 64). */
    static final int SECRET_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private StandardWebhooks() {
    }

    /** A new signing secret: {@code whsec_} + base64 of 32 random bytes. */
    public static String newSecret() {
        byte[] b = new byte[SECRET_BYTES];
        RANDOM.nextBytes(b);
        return PREFIX + Base64.getEncoder().encodeToString(b);
    }

    /**
     * The key bytes of a secret: the base64 part decoded (the prefix is optional, as in the npm package). Throws
     * {@link IllegalArgumentException} when it is not base64 or decodes to nothing. Used for our own delivery secrets
     * and for inbound webhook triggers' Standard Webhooks secrets alike.
     */
    public static byte[] key(String secret) {
        String b64 = secret.startsWith(PREFIX) ? secret.substring(PREFIX.length()) : secret;
        byte[] key = Base64.getDecoder().decode(b64.trim());
        if (key.length == 0) {
            throw new IllegalArgumentException("empty key");
        }
        return key;
    }

    /** HMAC-SHA256 of {@code prefix} followed by {@code body} under {@code key}. */
    public static byte[] hmacSha256(byte[] key, byte[] prefix, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(prefix);
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** {@code v1,<base64 signature>} of one message under one secret. */
    public static String sign(String secret, String msgId, long timestamp, byte[] body) {
        byte[] prefix = (msgId + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
        return "v1," + Base64.getEncoder().encodeToString(hmacSha256(key(secret), prefix, body));
    }

    /** The {@code webhook-signature} header value: one signature per active secret, space-separated. */
    public static String signatures(List<String> secrets, String msgId, long timestamp, byte[] body) {
        StringBuilder sb = new StringBuilder();
        for (String s : secrets) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(sign(s, msgId, timestamp, body));
        }
        return sb.toString();
    }

    /** Whether {@code header} holds a valid v1 signature of the message under {@code secret} (constant time). */
    public static boolean verify(String secret, String msgId, long timestamp, byte[] body, String header) {
        byte[] expected = sign(secret, msgId, timestamp, body).getBytes(StandardCharsets.US_ASCII);
        boolean ok = false;
        for (String part : header.split(" ")) {
            ok |= MessageDigest.isEqual(expected, part.getBytes(StandardCharsets.US_ASCII));
        }
        return ok;
    }
}

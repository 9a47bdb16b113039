package io.medhook.workflow.trigger;

import io.medhook.workflow.definition.TriggerDefinition;
import io.medhook.workflow.delivery.StandardWebhooks;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Verifies an inbound webhook signature over the raw body bytes, comparing MACs in constant time. A failure names
 * its reason and never carries the signature, the secret or the body.
 */
public final class WebhookSignature {

    public static final String STANDARD_WEBHOOKS = "standard-webhooks";
    public static final String HMAC_SHA256 = "hmac-sha256";
    public static final String DEFAULT_HMAC_HEADER = "X-Signature";
    public static final int DEFAULT_TOLERANCE_SECONDS = 300;
    private static final Pattern MSG_ID = Pattern.compile("[\\x21-\\x7e]{1,256}");
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,12}");
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{64}");

    /** Why a signature was refused: safe to show to the sender and to audit. */
    public static final class Rejected extends Exception {
        private final String reason;

        Rejected(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    private WebhookSignature() {
    }

    /** The header that carries the signature for this configuration (lower case): never stored with the payload. */
    public static String signatureHeader(TriggerDefinition.Signature s) {
        return (HMAC_SHA256.equals(s.scheme()) ? (s.header() == null ? DEFAULT_HMAC_HEADER : s.header())
                : "webhook-signature").toLowerCase(Locale.ROOT);
    }

    /**
     * Verifies; {@code header} looks a header up case-insensitively, {@code secret} is the {@code webhook_secret}
     * credential's value.
     */
    public static void verify(TriggerDefinition.Signature s, String secret, byte[] rawBody,
            Function<String, String> header, Instant now) throws Rejected {
        if (STANDARD_WEBHOOKS.equals(s.scheme())) {
            standardWebhooks(s, secret, rawBody, header, now);
        } else if (HMAC_SHA256.equals(s.scheme())) {
            hmac(s, secret, rawBody, header);
        } else {
            throw new Rejected("the signature scheme is not supported");
        }
    }

    private static void standardWebhooks(TriggerDefinition.Signature s, String secret, byte[] body,
            Function<String, String> header, Instant now) throws Rejected {
        String id = header.apply("webhook-id");
        String ts = header.apply("webhook-timestamp");
        String sig = header.apply("webhook-signature");
        if (id == null || ts == null || sig == null) {
            throw new Rejected("missing header: webhook-id, webhook-timestamp and webhook-signature are required");
        }
        if (!MSG_ID.matcher(id).matches()) {
            throw new Rejected("webhook-id is not valid");
        }
        if (!TIMESTAMP.matcher(ts).matches()) {
            throw new Rejected("webhook-timestamp is not a number of seconds since the epoch");
        }
        long tolerance = s.toleranceSeconds() == null ? DEFAULT_TOLERANCE_SECONDS : s.toleranceSeconds();
        long seconds = Long.parseLong(ts);
        if (Math.abs(now.getEpochSecond() - seconds) > tolerance) {
            throw new Rejected("webhook-timestamp is outside the tolerance of " + tolerance + " seconds");
        }
        byte[] key = standardWebhooksKey(secret);
        byte[] prefix = (id + "." + ts + ".").getBytes(StandardCharsets.UTF_8);
        byte[] expected = StandardWebhooks.hmacSha256(key, prefix, body);
        boolean wellFormed = false;
        for (String candidate : sig.trim().split(" +")) {
            int comma = candidate.indexOf(',');
            if (comma < 0) {
                continue;
            }
            if (!"v1".equals(candidate.substring(0, comma))) {
                continue; // other versions (e.g. v1a, asymmetric) are not ours to check
            }
            byte[] given;
            try {
                given = Base64.getDecoder().decode(candidate.substring(comma + 1));
            } catch (IllegalArgumentException e) {
                continue;
            }
            wellFormed = true;
            if (MessageDigest.isEqual(expected, given)) {
                return;
            }
        }
        throw new Rejected(wellFormed ? "the signature does not match"
                : "webhook-signature has no v1 signature in the form v1,<base64>");
    }

    private static void hmac(TriggerDefinition.Signature s, String secret, byte[] body,
            Function<String, String> header) throws Rejected {
        String name = s.header() == null ? DEFAULT_HMAC_HEADER : s.header();
        String value = header.apply(name);
        if (value == null) {
            throw new Rejected("missing header: " + name);
        }
        String hex = value.trim();
        if (hex.regionMatches(true, 0, "sha256=", 0, 7)) {
            hex = hex.substring(7);
        }
        if (!HEX.matcher(hex).matches()) {
            throw new Rejected(name + " is not a hex HMAC-SHA256 (optionally prefixed sha256=)");
        }
        byte[] expected = StandardWebhooks.hmacSha256(secret.getBytes(StandardCharsets.UTF_8), new byte[0], body);
        if (!MessageDigest.isEqual(expected, HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT)))) {
            throw new Rejected("the signature does not match");
        }
    }

    /** A Standard Webhooks secret's key ({@link StandardWebhooks#key}); one that cannot be read is a rejection. */
    static byte[] standardWebhooksKey(String secret) throws Rejected {
        try {
            return StandardWebhooks.key(secret);
        } catch (IllegalArgumentException e) {
            throw new Rejected("the signature cannot be verified");
        }
    }

    /** Case-insensitive header lookup over the call's headers. */
    static Function<String, String> lookup(Map<String, String> headers) {
        Map<String, String> ci = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach(ci::putIfAbsent);
        return ci::get;
    }
}

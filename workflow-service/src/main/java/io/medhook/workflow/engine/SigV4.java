package io.medhook.workflow.engine;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for S3 requests (header-based, single-chunk payload): the canonical request, the string to
 * sign and the signing key exactly as the AWS specification defines them, with the JDK's SHA-256 and HMAC-SHA256. No
 * cryptography of its own: the protocol only arranges inputs for those two primitives.
 */
public final class SigV4 {

    /** SHA-256 of the empty payload. */
    public static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private SigV4() {
    }

    /** What to sign: method, the path as sent (already URI-encoded), query parameters (raw), headers, payload hash. */
    public record Request(String method, String encodedPath, Map<String, String> query, Map<String, String> headers,
            String payloadSha256) {
    }

    /** The credentials and scope of a signature. */
    public record Key(String accessKeyId, String secretAccessKey, String region, String service) {

        @Override
        public String toString() {
            return "SigV4.Key[region=" + region + ", service=" + service + "]";
        }
    }

    /**
     * Adds {@code x-amz-date} and {@code x-amz-content-sha256} to the request's headers (which must hold {@code host}
     * and any {@code x-amz-security-token}) and returns the {@code Authorization} header value signing all of them.
     */
    public static String sign(Request r, Key key, Instant now) {
        String amzDate = AMZ_DATE.format(now);
        String date = amzDate.substring(0, 8);
        r.headers().put("x-amz-date", amzDate);
        r.headers().put("x-amz-content-sha256", r.payloadSha256());
        TreeMap<String, String> canonicalHeaders = new TreeMap<>();
        r.headers().forEach((k, v) -> canonicalHeaders.put(k.toLowerCase(Locale.ROOT), v.strip()
                .replaceAll(" +", " ")));
        String signedHeaders = String.join(";", canonicalHeaders.keySet());
        StringBuilder canonical = new StringBuilder();
        canonical.append(r.method()).append('\n')
                .append(r.encodedPath().isEmpty() ? "/" : r.encodedPath()).append('\n')
                .append(canonicalQuery(r.query())).append('\n');
        canonicalHeaders.forEach((k, v) -> canonical.append(k).append(':').append(v).append('\n'));
        canonical.append('\n').append(signedHeaders).append('\n').append(r.payloadSha256());
        String scope = date + "/" + key.region() + "/" + key.service() + "/aws4_request";
        String stringToSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + sha256Hex(canonical.toString().getBytes(StandardCharsets.UTF_8));
        byte[] k = hmac(("AWS4" + key.secretAccessKey()).getBytes(StandardCharsets.UTF_8), date);
        k = hmac(k, key.region());
        k = hmac(k, key.service());
        k = hmac(k, "aws4_request");
        String signature = HexFormat.of().formatHex(hmac(k, stringToSign));
        return "AWS4-HMAC-SHA256 Credential=" + key.accessKeyId() + "/" + scope + ", SignedHeaders=" + signedHeaders
                + ", Signature=" + signature;
    }

    /** Query parameters sorted by encoded name, names and values URI-encoded, {@code name=} for an empty value. */
    public static String canonicalQuery(Map<String, String> query) {
        TreeMap<String, String> sorted = new TreeMap<>();
        query.forEach((k, v) -> sorted.put(encode(k, true), encode(v == null ? "" : v, true)));
        return sorted.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("&"));
    }

    /**
     * URI-encodes as SigV4 requires: every byte except the unreserved characters {@code A-Z a-z 0-9 - _ . ~} as
     * {@code %XY} (upper-case hex); {@code /} is kept when {@code slash} is false (object key paths).
     */
    public static String encode(String s, boolean slash) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~' || (c == '/' && !slash)) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    public static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available");
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available");
        }
    }
}

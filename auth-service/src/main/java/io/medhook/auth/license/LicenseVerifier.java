package io.medhook.auth.license;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.common.problem.MedhookException;
import io.quarkus.runtime.LaunchMode;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Verifies license keys. A license key is {@code MHL1.<claims>.<signature>}: the claims are base64url JSON, the
 * signature is Ed25519 (the JDK's implementation) over the ASCII bytes of {@code MHL1.<claims>}, made with MedHook's
 * license-signing key. Its public half is compiled in below; the private half never leaves the vendor.
 * <p>
 * For tests and development only, {@code medhook.auth.license.development-public-keys} adds trusted keys; it is
 * ignored (and says so in the log) when the service runs in production launch mode, so configuration alone cannot make
 * a production instance accept a self-signed license.
 */
@ApplicationScoped
public class LicenseVerifier {

    static final String PREFIX = "MHL1.";
    /** MedHook's license-signing public key (Ed25519, X.509 SubjectPublicKeyInfo, base64). */
    static final String VENDOR_PUBLIC_KEY = "MCowBQYDK2VwAyEA6K7LDMh0Qecrz5f6hceSOO818WTfYHZxsgcE8GFOJ9k=";
    /** Upper bound on a license key's length: a real one is a few hundred characters. */
    static final int MAX_KEY_LENGTH = 8192;

    private static final Pattern PLAN = Pattern.compile("[a-z][a-z0-9-]{0,39}");
    private static final Pattern LIMIT_NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9]{0,39}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<PublicKey> trusted;

    @jakarta.inject.Inject
    public LicenseVerifier(io.medhook.auth.AuthConfig config) {
        this(config.license().developmentPublicKeys());
    }

    LicenseVerifier(Optional<List<String>> development) {
        List<PublicKey> keys = new ArrayList<>();
        keys.add(publicKey(VENDOR_PUBLIC_KEY));
        if (development.isPresent() && !development.get().isEmpty()) {
            if (LaunchMode.current() == LaunchMode.NORMAL) {
                org.jboss.logging.Logger.getLogger(LicenseVerifier.class).warn(
                        "medhook.auth.license.development-public-keys is ignored in production mode");
            } else {
                development.get().forEach(k -> keys.add(publicKey(k.strip())));
            }
        }
        this.trusted = List.copyOf(keys);
    }

    /**
     * The claims of a genuine license key. Anything else (malformed, unknown signer, bad claims, expired) is refused
     * with a 422 whose {@code reason} says which; the message never echoes the key.
     */
    public LicenseClaims verify(String key, Instant now) {
        if (key == null || key.isBlank()) {
            throw invalid("format", "The license key is empty");
        }
        String k = key.strip();
        if (k.length() > MAX_KEY_LENGTH || !k.startsWith(PREFIX)) {
            throw invalid("format", "This is not a MedHook license key");
        }
        String[] parts = k.split("\\.", -1);
        if (parts.length != 3 || parts[1].isEmpty() || parts[2].isEmpty()) {
            throw invalid("format", "This is not a MedHook license key");
        }
        byte[] payload;
        byte[] signature;
        try {
            payload = Base64.getUrlDecoder().decode(parts[1]);
            signature = Base64.getUrlDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw invalid("format", "This is not a MedHook license key");
        }
        byte[] signed = (PREFIX + parts[1]).getBytes(StandardCharsets.US_ASCII);
        if (!signedByTrustedKey(signed, signature)) {
            throw invalid("signature", "The license key's signature is not valid");
        }
        LicenseClaims claims = parse(payload);
        if (claims.expiredAt(now)) {
            throw invalid("expired", "The license expired at " + claims.expiresAt());
        }
        if (claims.issuedAt().isAfter(now.plusSeconds(300))) {
            throw invalid("not-yet-valid", "The license is not valid before " + claims.issuedAt());
        }
        return claims;
    }

    private boolean signedByTrustedKey(byte[] data, byte[] signature) {
        for (PublicKey key : trusted) {
            try {
                Signature verifier = Signature.getInstance("Ed25519");
                verifier.initVerify(key);
                verifier.update(data);
                if (verifier.verify(signature)) {
                    return true;
                }
            } catch (GeneralSecurityException e) {
                // a malformed signature is simply not valid under this key
            }
        }
        return false;
    }

    static LicenseClaims parse(byte[] payload) {
        JsonNode n;
        try {
            n = JSON.readTree(payload);
        } catch (Exception e) {
            throw invalid("claims", "The license's claims are not JSON");
        }
        if (n == null || !n.isObject()) {
            throw invalid("claims", "The license's claims are not a JSON object");
        }
        String id = text(n, "lid", ID);
        String licensee = text(n, "licensee", null);
        if (licensee.length() > 200) {
            throw invalid("claims", "The license's licensee is too long");
        }
        String plan = text(n, "plan", PLAN);
        Instant issued = instant(n, "issuedAt");
        Instant expires = instant(n, "expiresAt");
        if (!expires.isAfter(issued)) {
            throw invalid("claims", "The license expires before it is issued");
        }
        JsonNode l = n.get("limits");
        if (l == null || !l.isObject() || l.size() > 32) {
            throw invalid("claims", "The license's limits must be an object of at most 32 entries");
        }
        Map<String, Long> limits = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = l.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!LIMIT_NAME.matcher(e.getKey()).matches() || !e.getValue().canConvertToLong()
                    || !e.getValue().isIntegralNumber() || e.getValue().asLong() < 0) {
                throw invalid("claims", "Each license limit must be a name and a non-negative integer");
            }
            limits.put(e.getKey(), e.getValue().asLong());
        }
        return new LicenseClaims(id, licensee, plan, Map.copyOf(limits), issued, expires);
    }

    private static String text(JsonNode n, String field, Pattern pattern) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()
                || (pattern != null && !pattern.matcher(v.asText()).matches())) {
            throw invalid("claims", "The license's " + field + " is missing or malformed");
        }
        return v.asText();
    }

    private static Instant instant(JsonNode n, String field) {
        JsonNode v = n.get(field);
        try {
            if (v != null && v.isTextual()) {
                return Instant.parse(v.asText());
            }
        } catch (DateTimeParseException e) {
            // reported below
        }
        throw invalid("claims", "The license's " + field + " must be an ISO-8601 instant");
    }

    private static PublicKey publicKey(String base64) {
        try {
            return KeyFactory.getInstance("Ed25519")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("A configured license public key is not an Ed25519 public key");
        }
    }

    private static MedhookException invalid(String reason, String detail) {
        return MedhookException.validation(detail, Map.of("reason", reason));
    }
}

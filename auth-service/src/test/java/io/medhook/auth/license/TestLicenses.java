package io.medhook.auth.license;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signs test licenses the way the vendor's tool does ({@code MHL1.<claims>.<Ed25519 signature>}), with a key pair made
 * for this test run: its public half is trusted through {@code medhook.auth.license.development-public-keys}, which
 * only test and dev launch modes honour.
 */
public final class TestLicenses {

    static final Path PRIVATE_KEY = Path.of("target", "test-license-signing.key");
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestLicenses() {
    }

    /** A new Ed25519 key pair; the private half is written to {@link #PRIVATE_KEY} for the tests to sign with. */
    static String newTrustedKey() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Files.createDirectories(PRIVATE_KEY.getParent());
        Files.writeString(PRIVATE_KEY, Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()));
        return Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
    }

    static PrivateKey trustedKey() throws Exception {
        byte[] der = Base64.getDecoder().decode(Files.readString(PRIVATE_KEY).strip());
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    static Map<String, Object> claims(String plan, Instant issued, Instant expires) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("lid", "lic-" + Long.toHexString(System.nanoTime()));
        c.put("licensee", "St. Example Hospital");
        c.put("plan", plan);
        c.put("limits", Map.of("workflows", 500, "executionsPerMonth", 1_000_000, "workspaces", 20));
        c.put("issuedAt", issued.toString());
        c.put("expiresAt", expires.toString());
        return c;
    }

    static String sign(PrivateKey key, Object claims) throws Exception {
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(claims));
        return LicenseVerifier.PREFIX + payload + "." + signature(key, LicenseVerifier.PREFIX + payload);
    }

    static String signature(PrivateKey key, String signed) throws GeneralSecurityException {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key);
        s.update(signed.getBytes(StandardCharsets.US_ASCII));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
    }

    static PrivateKey untrustedKey() throws GeneralSecurityException {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate();
    }
}

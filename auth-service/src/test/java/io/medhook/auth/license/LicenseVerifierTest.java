package io.medhook.auth.license;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medhook.common.problem.MedhookException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The license format and its refusals, without a running service (launch mode here is production). */
class LicenseVerifierTest {

    private static final Instant NOW = Instant.parse("2026-11-23T00:00:00Z");

    private static String reason(LicenseVerifier v, String key) {
        MedhookException e = assertThrows(MedhookException.class, () -> v.verify(key, NOW));
        assertEquals(422, e.kind().status());
        if (key != null && key.length() > 20) {
            assertFalse(e.getMessage().contains(key.substring(5, 20)), "refusals never echo the key");
        }
        return (String) e.extensions().get("reason");
    }

    @Test
    void productionModeIgnoresDevelopmentKeys() throws Exception {
        KeyPair dev = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        LicenseVerifier v = new LicenseVerifier(
                Optional.of(List.of(Base64.getEncoder().encodeToString(dev.getPublic().getEncoded()))));
        String key = TestLicenses.sign(dev.getPrivate(),
                TestLicenses.claims("enterprise", NOW.minusSeconds(60), NOW.plus(365, ChronoUnit.DAYS)));
        assertEquals("signature", reason(v, key), "only the vendor key is trusted in production mode");
    }

    @Test
    void malformedKeysAreRefusedAsFormat() {
        LicenseVerifier v = new LicenseVerifier(Optional.empty());
        assertEquals("format", reason(v, ""));
        assertEquals("format", reason(v, "not-a-license"));
        assertEquals("format", reason(v, "MHL1.onlyonepart"));
        assertEquals("format", reason(v, "MHL1.a.b.c"));
        assertEquals("format", reason(v, "MHL1.***.***"));
        assertEquals("format", reason(v, "MHL1." + "A".repeat(LicenseVerifier.MAX_KEY_LENGTH) + ".AA"));
    }

    @Test
    void aSignatureByTheVendorKeyIsNeededEvenForWellFormedClaims() throws Exception {
        LicenseVerifier v = new LicenseVerifier(Optional.empty());
        String key = TestLicenses.sign(TestLicenses.untrustedKey(),
                TestLicenses.claims("enterprise", NOW.minusSeconds(60), NOW.plusSeconds(3600)));
        assertEquals("signature", reason(v, key));
    }

    @Test
    void claimsAreCheckedStrictly() {
        Map<String, Object> good = TestLicenses.claims("enterprise", NOW.minusSeconds(60), NOW.plusSeconds(3600));
        LicenseClaims parsed = LicenseVerifier.parse(json(good));
        assertEquals("enterprise", parsed.plan());
        assertEquals(500L, parsed.limits().get("workflows"));

        for (Map.Entry<String, Object> bad : List.<Map.Entry<String, Object>>of(
                Map.entry("plan", "Enterprise Plus!"), Map.entry("plan", 7), Map.entry("lid", ""),
                Map.entry("expiresAt", "next year"), Map.entry("issuedAt", NOW.plusSeconds(7200).toString()),
                Map.entry("limits", Map.of("workflows", -1)), Map.entry("limits", Map.of("workflows", 1.5)),
                Map.entry("limits", Map.of("bad name", 1)), Map.entry("limits", List.of(1)),
                Map.entry("licensee", "x".repeat(201)))) {
            Map<String, Object> c = new java.util.HashMap<>(good);
            c.put(bad.getKey(), bad.getValue());
            MedhookException e = assertThrows(MedhookException.class, () -> LicenseVerifier.parse(json(c)),
                    bad.toString());
            assertEquals("claims", e.extensions().get("reason"), bad.toString());
        }
        assertThrows(MedhookException.class, () -> LicenseVerifier.parse("[1]".getBytes()));
        assertThrows(MedhookException.class, () -> LicenseVerifier.parse("{".getBytes()));
    }

    private static byte[] json(Object o) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(o);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

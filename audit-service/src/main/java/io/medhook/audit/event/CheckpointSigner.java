package io.medhook.audit.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.common.secrets.SecretStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

/**
 * Signs checkpoints with an Ed25519 key kept in the secrets interface ({@code audit/checkpoint-signing-key}: Vault in
 * production, the local key directory in dev/test), created on first use. The JDK does the signing; the public key is
 * published so that auditors can check checkpoints and exports offline.
 */
@ApplicationScoped
public class CheckpointSigner {

    static final String SECRET = "audit/checkpoint-signing-key";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final String keyId;

    public CheckpointSigner(SecretStore secrets) {
        try {
            JsonNode pair = JSON.readTree(secrets.getOrCreate(SECRET, CheckpointSigner::newPair));
            KeyFactory kf = KeyFactory.getInstance("Ed25519");
            this.privateKey = kf.generatePrivate(new PKCS8EncodedKeySpec(
                    Base64.getDecoder().decode(pair.get("private").asText())));
            this.publicKey = kf.generatePublic(new X509EncodedKeySpec(
                    Base64.getDecoder().decode(pair.get("public").asText())));
            this.keyId = keyId(publicKey.getEncoded());
        } catch (Exception e) {
            throw new IllegalStateException("the checkpoint signing key in the secrets store is unusable");
        }
    }

    public Checkpoint sign(long seq, String hash) {
        String createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS).toString();
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(privateKey);
            s.update(Checkpoint.text(seq, hash, createdAt).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return new Checkpoint(seq, hash, createdAt, keyId, Base64.getEncoder().encodeToString(s.sign()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** The public key: X.509 SubjectPublicKeyInfo, base64. */
    public String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(publicKey.getEncoded());
    }

    public String keyId() {
        return keyId;
    }

    /** Whether {@code c} carries a valid signature by {@code publicKeyBase64} (for the offline verifier and tests). */
    public static boolean valid(Checkpoint c, String publicKeyBase64) {
        try {
            PublicKey key = KeyFactory.getInstance("Ed25519")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(publicKeyBase64)));
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(c.signedBytes());
            return keyId(key.getEncoded()).equals(c.keyId()) && s.verify(Base64.getDecoder().decode(c.signature()));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    static String keyId(byte[] spki) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(spki), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String newPair() {
        try {
            KeyPair p = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            return JSON.writeValueAsString(Map.of(
                    "private", Base64.getEncoder().encodeToString(p.getPrivate().getEncoded()),
                    "public", Base64.getEncoder().encodeToString(p.getPublic().getEncoded())));
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the checkpoint signing key", e);
        }
    }
}

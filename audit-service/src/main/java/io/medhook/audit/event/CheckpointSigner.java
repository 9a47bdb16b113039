package io.medhook.audit.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.common.secrets.SecretStore;
import io.medhook.common.secrets.SecretsConfig;
import io.medhook.common.secrets.SecretsUnavailableException;
import io.medhook.common.secrets.VaultTransitKeyEncryption;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vault.VaultTransitSecretReactiveEngine;
import io.quarkus.vault.transit.SigningInput;
import io.quarkus.vault.transit.VaultTransitAsymmetricKeyVersion;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
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
 * Signs checkpoints with Ed25519. Two sources of the key, chosen by {@code medhook.secrets.provider}:
 * <ul>
 * <li>{@code vault} (production): a Vault Transit key of type {@code ed25519}
 * ({@code medhook.secrets.vault.signing-key}); the checkpoint text goes to Transit {@code sign} and the private key
 * never leaves Vault. The public keys of every key version are read from {@code transit/keys/<name>} (asynchronously
 * at start, retried until Vault answers) so that checkpoints signed before a rotation keep verifying.</li>
 * <li>{@code local} (dev/test): a key pair kept in the secrets interface ({@code audit/checkpoint-signing-key}), created
 * on first use; the JDK signs.</li>
 * </ul>
 * Either way the signature is plain Ed25519 over {@link Checkpoint#signedText()}, so auditors check checkpoints and
 * exports offline with the published public key.
 */
@ApplicationScoped
public class CheckpointSigner {

    static final String SECRET = "audit/checkpoint-signing-key";
    private static final Logger LOG = Logger.getLogger(CheckpointSigner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410) before the raw 32-byte key. */
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private final PrivateKey privateKey;
    private final VaultTransitSecretReactiveEngine transit;
    private final String transitKey;
    private final Vertx vertx;
    /** keyId → X.509 public key (base64) of every known key version; the newest is {@link #currentKeyId}. */
    private final Map<String, String> publicKeys = new ConcurrentHashMap<>();
    private final Map<Integer, String> keyIdByVersion = new ConcurrentHashMap<>();
    private volatile String currentKeyId;

    public CheckpointSigner(SecretStore secrets, SecretsConfig config,
            Instance<VaultTransitSecretReactiveEngine> transit, Vertx vertx) {
        this.vertx = vertx;
        if ("vault".equals(config.provider())) {
            this.privateKey = null;
            this.transit = transit.get();
            this.transitKey = config.vault().signingKey().orElseThrow(() -> new IllegalStateException(
                    "medhook.secrets.provider=vault needs medhook.secrets.vault.signing-key (a Transit ed25519 key)"));
            return;
        }
        this.transit = null;
        this.transitKey = null;
        try {
            JsonNode pair = JSON.readTree(secrets.getOrCreate(SECRET, CheckpointSigner::newPair));
            KeyFactory kf = KeyFactory.getInstance("Ed25519");
            this.privateKey = kf.generatePrivate(new PKCS8EncodedKeySpec(
                    Base64.getDecoder().decode(pair.get("private").asText())));
            PublicKey publicKey = kf.generatePublic(new X509EncodedKeySpec(
                    Base64.getDecoder().decode(pair.get("public").asText())));
            String id = keyId(publicKey.getEncoded());
            publicKeys.put(id, Base64.getEncoder().encodeToString(publicKey.getEncoded()));
            currentKeyId = id;
        } catch (Exception e) {
            throw new IllegalStateException("the checkpoint signing key in the secrets store is unusable");
        }
    }

    /** With Vault: reads the public keys at start without blocking it; retries every 5 s while Vault is away. */
    void onStart(@Observes StartupEvent event) {
        if (transit != null) {
            loadPublicKeys().subscribe().with(x -> {
            }, f -> {
                LOG.warnf("checkpoint signing key not readable from Vault yet (%s); retrying",
                        f.getClass().getSimpleName());
                vertx.setTimer(5000, id -> onStart(event));
            });
        }
    }

    /** Reads every version's public key of the Transit key. */
    Uni<Void> loadPublicKeys() {
        return transit.readKey(transitKey).map(detail -> {
            var d = detail.orElseThrow(() -> new IllegalStateException("Transit key " + transitKey + " does not exist"));
            for (var e : d.getVersions().entrySet()) {
                if (e.getValue() instanceof VaultTransitAsymmetricKeyVersion v) {
                    byte[] spki = spki(v.getPublicKey());
                    String id = keyId(spki);
                    publicKeys.put(id, Base64.getEncoder().encodeToString(spki));
                    keyIdByVersion.put(Integer.parseInt(e.getKey()), id);
                }
            }
            currentKeyId = keyIdByVersion.get(d.getLatestVersion());
            return null;
        });
    }

    public Uni<Checkpoint> sign(long seq, String hash) {
        String createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS).toString();
        byte[] text = Checkpoint.text(seq, hash, createdAt).getBytes(StandardCharsets.UTF_8);
        if (transit == null) {
            try {
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(privateKey);
                s.update(text);
                return Uni.createFrom().item(new Checkpoint(seq, hash, createdAt, currentKeyId,
                        Base64.getEncoder().encodeToString(s.sign())));
            } catch (GeneralSecurityException e) {
                return Uni.createFrom().failure(new IllegalStateException("Ed25519 signing failed", e));
            }
        }
        return transit.sign(transitKey, new SigningInput(text), null, null)
                .chain(sig -> {
                    // vault:v<N>:<base64 Ed25519 signature>
                    String[] parts = sig.split(":", 3);
                    int version = Integer.parseInt(parts[1].substring(1));
                    Uni<Void> known = keyIdByVersion.containsKey(version) ? Uni.createFrom().voidItem()
                            : loadPublicKeys();
                    return known.map(x -> new Checkpoint(seq, hash, createdAt, keyIdByVersion.get(version), parts[2]));
                })
                .onFailure().transform(VaultTransitKeyEncryption::classify);
    }

    /** The current public key: X.509 SubjectPublicKeyInfo, base64; 503 while Vault has not answered yet. */
    public String publicKeyBase64() {
        return publicKeyBase64(keyId());
    }

    /** The public key with this key id (an older version after a rotation), or the current one when unknown. */
    public String publicKeyBase64(String keyId) {
        String k = keyId == null ? null : publicKeys.get(keyId);
        return k != null ? k : publicKeys.get(keyId());
    }

    public String keyId() {
        String id = currentKeyId;
        if (id == null) {
            throw new SecretsUnavailableException(null);
        }
        return id;
    }

    /** Vault's {@code public_key}: PEM (SubjectPublicKeyInfo) or, for ed25519 keys, the raw 32-byte key in base64. */
    static byte[] spki(String publicKey) {
        if (publicKey.contains("BEGIN PUBLIC KEY")) {
            return Base64.getMimeDecoder().decode(publicKey.replace("-----BEGIN PUBLIC KEY-----", "")
                    .replace("-----END PUBLIC KEY-----", ""));
        }
        byte[] raw = Base64.getDecoder().decode(publicKey.strip());
        byte[] out = new byte[ED25519_SPKI_PREFIX.length + raw.length];
        System.arraycopy(ED25519_SPKI_PREFIX, 0, out, 0, ED25519_SPKI_PREFIX.length);
        System.arraycopy(raw, 0, out, ED25519_SPKI_PREFIX.length, raw.length);
        return out;
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

package io.medhook.auth.token;

import io.medhook.common.Ids;
import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.HibernateAuditOutbox;
import io.medhook.common.secrets.Aead;
import io.medhook.common.secrets.KeyEncryption;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;

/**
 * auth-service's RS256 signing keys. The private key is stored encrypted (envelope under the key-encryption key) and
 * only held in memory; the public keys of the active and recently retired keys are published as JWKS.
 */
@ApplicationScoped
public class SigningKeys {

    /** Arbitrary, fixed advisory-lock id so that replicas starting together create one key, not two. */
    private static final long CREATE_LOCK = 0x6d6564686f6f6bL;

    /** The key that signs now. */
    public record Active(String kid, PrivateKey privateKey) {
    }

    private final KeyEncryption kek;
    private volatile Active active;
    private volatile Map<String, PublicKey> published = Map.of();
    private volatile String jwksJson = "{\"keys\":[]}";

    public SigningKeys(KeyEncryption kek) {
        this.kek = kek;
    }

    public Active active() {
        Active a = active;
        if (a == null) {
            throw new IllegalStateException("signing keys are not loaded yet");
        }
        return a;
    }

    public PublicKey publicKey(String kid) {
        return published.get(kid);
    }

    public String jwks() {
        return jwksJson;
    }

    /** Loads the keys, creating the first one when there is none. Called once at start. */
    public Uni<Void> loadOrCreate(AuditContext audit) {
        return Panache.withTransaction(() -> Panache.getSession()
                .chain(s -> s.createNativeQuery("select pg_advisory_xact_lock(" + CREATE_LOCK + ")").getSingleResult())
                .chain(x -> SigningKey.<SigningKey>list("order by createdAt desc"))
                .chain(keys -> keys.stream().anyMatch(k -> k.retiredAt == null) ? Uni.createFrom().item(keys)
                        : create(audit).chain(() -> SigningKey.<SigningKey>list("order by createdAt desc"))))
                .chain(this::load);
    }

    /**
     * Rotates: the current key retires (its public key stays in the JWKS until every token it signed has expired) and a
     * new key signs from now on. Other replicas pick the new key up at their next {@link #reload()}.
     */
    public Uni<String> rotate(AuditContext audit) {
        return Panache.withTransaction(() -> Panache.getSession()
                .chain(s -> s.createNativeQuery("select pg_advisory_xact_lock(" + CREATE_LOCK + ")").getSingleResult())
                .chain(x -> Panache.getSession())
                .chain(s -> s.createNativeQuery("update signing_key set retired_at = now() where retired_at is null")
                        .executeUpdate())
                .chain(() -> create(audit))
                .chain(() -> SigningKey.<SigningKey>list("order by createdAt desc")))
                .chain(this::load)
                .map(x -> active().kid());
    }

    /** Reloads keys from the database (another replica may have rotated). */
    public Uni<Void> reload() {
        return Panache.withSession(() -> SigningKey.<SigningKey>list("order by createdAt desc")).chain(this::load);
    }

    private Uni<Void> create(AuditContext audit) {
        return Uni.createFrom().item(() -> {
            try {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                return g.generateKeyPair();
            } catch (Exception e) {
                throw new IllegalStateException("cannot generate an RSA key", e);
            }
        }).chain(pair -> {
            String kid = Ids.uuidV7().toString();
            byte[] dataKey = Aead.newKey();
            return kek.wrap(dataKey, context(kid)).chain(wrapped -> {
                SigningKey k = new SigningKey();
                k.kid = kid;
                k.algorithm = AlgorithmIdentifiers.RSA_USING_SHA256;
                k.publicJwk = publicJwk(kid, pair).toJson();
                k.privateKeyEnc = Aead.encrypt(dataKey, pair.getPrivate().getEncoded(), aad(kid));
                k.dataKeyWrapped = wrapped;
                k.createdAt = Instant.now();
                return k.persist();
            }).chain(() -> Panache.getSession()).chain(s -> HibernateAuditOutbox.append(s,
                    AuditEvent.of(audit, "signing-key.create", "signing-key", kid, null, AuditEvent.Outcome.success,
                            AuditChange.created(new SigningKeyAudit(kid, AlgorithmIdentifiers.RSA_USING_SHA256)))));
        });
    }

    private Uni<Void> load(List<SigningKey> keys) {
        SigningKey newest = keys.stream().filter(k -> k.retiredAt == null).findFirst().orElseThrow();
        return kek.unwrap(newest.dataKeyWrapped, context(newest.kid)).map(dataKey -> {
            try {
                byte[] der = Aead.decrypt(dataKey, newest.privateKeyEnc, aad(newest.kid));
                PrivateKey priv = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
                java.util.Map<String, PublicKey> pubs = new java.util.HashMap<>();
                JsonWebKeySet set = new JsonWebKeySet();
                Instant oldest = Instant.now().minusSeconds(io.medhook.common.security.Claims.MAX_LIFETIME_SECONDS + 300);
                for (SigningKey k : keys) {
                    if (k.retiredAt == null || k.retiredAt.isAfter(oldest)) {
                        PublicJsonWebKey jwk = (PublicJsonWebKey) JsonWebKey.Factory.newJwk(k.publicJwk);
                        pubs.put(k.kid, jwk.getPublicKey());
                        set.addJsonWebKey(jwk);
                    }
                }
                published = Map.copyOf(pubs);
                jwksJson = set.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
                active = new Active(newest.kid, priv);
                return null;
            } catch (Exception e) {
                throw new IllegalStateException("cannot load the signing key", e);
            }
        });
    }

    private static RsaJsonWebKey publicJwk(String kid, KeyPair pair) {
        RsaJsonWebKey jwk = new RsaJsonWebKey((RSAPublicKey) pair.getPublic());
        jwk.setKeyId(kid);
        jwk.setUse("sig");
        jwk.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
        return jwk;
    }

    private static String context(String kid) {
        return "auth/signing-key/" + kid;
    }

    private static byte[] aad(String kid) {
        return ("signing-key:" + kid).getBytes(StandardCharsets.UTF_8);
    }
}

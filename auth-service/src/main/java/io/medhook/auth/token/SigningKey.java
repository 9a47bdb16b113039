package io.medhook.auth.token;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

@Entity
@Table(name = "signing_key")
public class SigningKey extends PanacheEntityBase {

    @Id
    public String kid;

    @Column(nullable = false)
    public String algorithm;

    /** The public half as a JWK (JSON). */
    @Column(name = "public_jwk", nullable = false)
    public String publicJwk;

    /** PKCS#8 private key, AES-256-GCM under the data key; associated data binds it to the kid. */
    @Column(name = "private_key_enc", nullable = false)
    public byte[] privateKeyEnc;

    /** The data key, wrapped by the key-encryption key of the secrets interface. */
    @Column(name = "data_key_wrapped", nullable = false)
    public String dataKeyWrapped;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** Set when a newer key took over signing; the public key stays published until its tokens expired. */
    @Column(name = "retired_at")
    public Instant retiredAt;
}

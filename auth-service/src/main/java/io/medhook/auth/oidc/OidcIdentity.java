package io.medhook.auth.oidc;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** An identity at an OpenID provider ({@code iss} + {@code sub}) linked to a MedHook user. */
@Entity
@Table(name = "oidc_identity")
public class OidcIdentity extends PanacheEntityBase {

    @Embeddable
    public static class Key implements Serializable {
        @Column(nullable = false)
        public String issuer;

        @Column(nullable = false)
        public String subject;

        public Key() {
        }

        public Key(String issuer, String subject) {
            this.issuer = issuer;
            this.subject = subject;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(issuer, k.issuer) && Objects.equals(subject, k.subject);
        }

        @Override
        public int hashCode() {
            return Objects.hash(issuer, subject);
        }
    }

    @EmbeddedId
    public Key id;

    @Column(name = "user_id", nullable = false)
    public UUID userId;

    /** Id of the configured provider the first login came through. */
    @Column(nullable = false)
    public String provider;

    /** E-mail the provider asserted at the first login (informational; never used to link). */
    public String email;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}

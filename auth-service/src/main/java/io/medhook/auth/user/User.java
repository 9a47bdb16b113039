package io.medhook.auth.user;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "app_user")
public class User extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(nullable = false, unique = true)
    public String username;

    @Column(name = "display_name", nullable = false)
    public String displayName;

    /** Argon2id PHC string; null for users who only log in through an identity provider. */
    @Column(name = "password_hash")
    public String passwordHash;

    /** Instance-level owner: manages users and workspaces. */
    public boolean owner;

    /** The local bootstrap admin. */
    public boolean bootstrap;

    public boolean disabled;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}

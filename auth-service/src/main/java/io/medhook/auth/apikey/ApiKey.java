package io.medhook.auth.apikey;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** An API key of one workspace. The key itself is never stored: only its SHA-256 hash and a display prefix. */
@Entity
@Table(name = "api_key")
public class ApiKey extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "workspace_id", nullable = false)
    public UUID workspaceId;

    @Column(nullable = false)
    public String name;

    /** {@code admin}, {@code editor}, {@code viewer} or {@code auditor}. */
    @Column(nullable = false)
    public String role;

    /** The start of the key (kind prefix and a few characters), for people to recognise it. */
    @Column(nullable = false)
    public String prefix;

    /** SHA-256 of the full key. */
    @Column(name = "key_hash", nullable = false, unique = true)
    public byte[] keyHash;

    @Column(name = "created_by")
    public UUID createdBy;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "last_used_at")
    public Instant lastUsedAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;

    /** Whether the key may authenticate at {@code now}. */
    public boolean activeAt(Instant now) {
        return revokedAt == null && (expiresAt == null || expiresAt.isAfter(now));
    }
}

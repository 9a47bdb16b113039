package io.medhook.auth.workspace;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "membership")
@IdClass(Membership.Key.class)
public class Membership extends PanacheEntityBase {

    @Id
    @Column(name = "user_id")
    public UUID userId;

    @Id
    @Column(name = "workspace_id")
    public UUID workspaceId;

    /** {@code admin}, {@code editor}, {@code viewer} or {@code auditor}. */
    @Column(nullable = false)
    public String role;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    public record Key(UUID userId, UUID workspaceId) implements Serializable {
        public Key() {
            this(null, null);
        }
    }
}

package io.medhook.auth.workspace;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "workspace")
public class Workspace extends PanacheEntityBase {

    public static final String SANDBOX = "sandbox";
    public static final String PRODUCTION = "production";

    @Id
    public UUID id;

    @Column(nullable = false, unique = true)
    public String name;

    /** {@code sandbox} or {@code production}. */
    @Column(nullable = false)
    public String kind;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}

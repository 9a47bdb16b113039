package io.medhook.workflow.workflow;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "workflow")
public class Workflow extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "workspace_id", nullable = false)
    public UUID workspaceId;

    @Column(nullable = false)
    public String name;

    @Column(name = "current_version", nullable = false)
    public int currentVersion;

    public boolean active;

    @Column(name = "webhook_token_hash", nullable = false)
    public byte[] webhookTokenHash;

    @Column(name = "webhook_token_enc", nullable = false)
    public byte[] webhookTokenEnc;

    @Column(name = "data_key_wrapped", nullable = false)
    public String dataKeyWrapped;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Column(name = "deleted_at")
    public Instant deletedAt;
}

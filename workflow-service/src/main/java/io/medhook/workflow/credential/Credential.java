package io.medhook.workflow.credential;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A stored credential. Its secret fields exist only as {@link #secretsEnc}; see {@link CredentialCrypto}. */
@Entity
@Table(name = "credential")
public class Credential extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "workspace_id", nullable = false)
    public UUID workspaceId;

    @Column(nullable = false)
    public String name;

    /** {@link CredentialType#id()}. */
    @Column(nullable = false)
    public String type;

    /** The non-secret fields as a JSON object. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, columnDefinition = "jsonb")
    public String fields;

    /** The names of the secret fields that are set, as a JSON array (text: names only, never values). */
    @Column(name = "secret_fields_set", nullable = false)
    public String secretFieldsSet;

    @Column(name = "secrets_enc", nullable = false)
    public byte[] secretsEnc;

    @Column(name = "data_key_wrapped", nullable = false)
    public String dataKeyWrapped;

    /** 1 on create, +1 on every update. */
    @Column(nullable = false)
    public int version;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}

package io.medhook.workflow.workflow;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** An immutable version of a workflow's definition; executions record the version they ran. */
@Entity
@Table(name = "workflow_version")
@IdClass(WorkflowVersion.Key.class)
public class WorkflowVersion extends PanacheEntityBase {

    @Id
    @Column(name = "workflow_id")
    public UUID workflowId;

    @Id
    public int version;

    /** The definition as JSON text (stored as jsonb). */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, columnDefinition = "jsonb")
    public String definition;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "created_by")
    public String createdBy;

    public record Key(UUID workflowId, int version) implements Serializable {
        public Key() {
            this(null, 0);
        }
    }
}

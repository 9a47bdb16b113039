package io.medhook.workflow.schedule;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** The schedule of a workflow whose current version has a schedule trigger, and when it fires next. */
@Entity
@Table(name = "workflow_schedule")
public class WorkflowSchedule extends PanacheEntityBase {

    @Id
    @Column(name = "workflow_id")
    public UUID workflowId;

    @Column(name = "workspace_id", nullable = false)
    public UUID workspaceId;

    @Column(nullable = false)
    public String cron;

    @Column(name = "time_zone", nullable = false)
    public String timeZone;

    @Column(nullable = false)
    public String missed;

    @Column(name = "next_fire_at")
    public Instant nextFireAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}

package io.medhook.workflow.schedule;

import io.medhook.workflow.definition.TriggerDefinition;
import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Keeps {@code workflow_schedule} in step with a workflow's current version, inside the caller's Panache transaction.
 */
public final class WorkflowSchedules {

    public static final String SKIP = "skip";
    public static final String CATCH_UP = "catch-up";

    private WorkflowSchedules() {
    }

    /**
     * After a save: a schedule trigger creates or updates the row (a changed expression or zone fires next at its first
     * tick after {@code now}; an unchanged one keeps its next tick), any other trigger removes it.
     */
    public static Uni<Void> sync(UUID workflowId, UUID workspaceId, TriggerDefinition trigger, Instant now) {
        boolean scheduled = trigger != null && "schedule".equals(trigger.type());
        return WorkflowSchedule.<WorkflowSchedule>findById(workflowId).chain(existing -> {
            if (!scheduled) {
                return existing == null ? Uni.createFrom().voidItem() : existing.delete();
            }
            String zone = trigger.timeZone() == null ? "UTC" : trigger.timeZone();
            String missed = trigger.missed() == null ? SKIP : trigger.missed();
            if (existing != null) {
                if (!existing.cron.equals(trigger.cron()) || !existing.timeZone.equals(zone)) {
                    existing.cron = trigger.cron();
                    existing.timeZone = zone;
                    existing.nextFireAt = CronSchedule.parse(existing.cron, zone).nextAfter(now).orElse(null);
                }
                existing.missed = missed;
                existing.updatedAt = now;
                return Uni.createFrom().voidItem();
            }
            WorkflowSchedule s = new WorkflowSchedule();
            s.workflowId = workflowId;
            s.workspaceId = workspaceId;
            s.cron = trigger.cron();
            s.timeZone = zone;
            s.missed = missed;
            s.nextFireAt = CronSchedule.parse(s.cron, zone).nextAfter(now).orElse(null);
            s.updatedAt = now;
            return s.persist().replaceWithVoid();
        });
    }

    /**
     * After an activation: ticks that passed while the workflow was deactivated never fire, whatever {@code missed}
     * says; the schedule resumes at its first tick after {@code now}.
     */
    public static Uni<Void> resume(UUID workflowId, Instant now) {
        return WorkflowSchedule.<WorkflowSchedule>findById(workflowId).invoke(s -> {
            if (s != null) {
                s.nextFireAt = CronSchedule.parse(s.cron, s.timeZone).nextAfter(now).orElse(null);
                s.updatedAt = now;
            }
        }).replaceWithVoid();
    }

    /** After a delete. */
    public static Uni<Void> remove(UUID workflowId) {
        return WorkflowSchedule.delete("workflowId", Objects.requireNonNull(workflowId)).replaceWithVoid();
    }
}

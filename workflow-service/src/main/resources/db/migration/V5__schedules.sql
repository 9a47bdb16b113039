-- workflow-service schedule triggers (issue 5)

-- one row per workflow whose current version has a schedule trigger; kept in step with the version by WorkflowService.
-- Replicas claim due rows with FOR UPDATE SKIP LOCKED and advance next_fire_at in the transaction that enqueues.
create table workflow_schedule (
    workflow_id  uuid primary key references workflow (id) on delete cascade,
    workspace_id uuid not null,
    cron         text not null,
    time_zone    text not null,
    missed       text not null check (missed in ('skip', 'catch-up')),
    -- null when the expression never fires again
    next_fire_at timestamptz,
    updated_at   timestamptz not null
);
create index workflow_schedule_due on workflow_schedule (next_fire_at) where next_fire_at is not null;

-- every tick that was fired, inserted in the transaction that creates its execution: a second replica (or a repeated
-- claim) inserting the same (workflow_id, tick_at) conflicts and enqueues nothing
create table schedule_tick (
    workflow_id  uuid not null references workflow (id) on delete cascade,
    tick_at      timestamptz not null,
    -- checked at commit: the tick row is inserted (and wins or loses) before its execution exists
    execution_id uuid not null references execution (id) on delete cascade deferrable initially deferred,
    created_at   timestamptz not null default now(),
    primary key (workflow_id, tick_at)
);

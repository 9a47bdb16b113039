-- workflow-service node types (issue 5): condition branches, loops, wait nodes

-- a node on a branch a condition did not take is recorded 'skipped'; a wait node is 'waiting' until it is due
alter table execution_step drop constraint execution_step_status_check;
alter table execution_step add constraint execution_step_status_check
    check (status in ('running', 'succeeded', 'failed', 'skipped', 'waiting'));

-- when a waiting execution is due: any replica's claim picks it up then (or earlier, when it is asked to cancel)
alter table execution add column resume_at timestamptz;
create index execution_waiting on execution (resume_at) where status = 'waiting';

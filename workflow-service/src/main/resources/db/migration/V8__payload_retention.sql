-- workflow-service payload policy, retention and usage counters (issue 5)

-- payloads may be gone after the end: discarded by the workflow's payload policy (settings.payloads) when the
-- execution finished, or purged by retention; then the data key is destroyed as well (null: nothing is left to open)
alter table execution alter column input_enc drop not null;
alter table execution alter column data_key_wrapped drop not null;
alter table execution add column payloads text not null default 'kept'
    check (payloads in ('kept', 'discarded', 'purged'));
alter table execution add column payloads_purged_at timestamptz;
-- what retention still has to visit: finished executions whose payloads are not purged yet
create index execution_retention on execution (finished_at)
    where finished_at is not null and payloads_purged_at is null;

-- usage counters per workspace and UTC day (of the execution's creation), incremented in the transaction that
-- finishes an execution; they outlive retention. credits = node runs (steps not skipped, loop items included)
create table usage_daily (
    workspace_id uuid not null,
    day          date not null,
    executions   bigint not null default 0,
    succeeded    bigint not null default 0,
    failed       bigint not null default 0,
    credits      bigint not null default 0,
    primary key (workspace_id, day)
);
create index usage_daily_day on usage_daily (day);

-- backfill from the executions that finished before this migration
insert into usage_daily (workspace_id, day, executions, succeeded, failed, credits)
select e.workspace_id, (e.created_at at time zone 'UTC')::date, count(*),
       count(*) filter (where e.status = 'succeeded'),
       count(*) filter (where e.status in ('failed', 'timed_out')),
       coalesce(sum((select count(*) from execution_step s where s.execution_id = e.id and s.status <> 'skipped')), 0)
  from execution e
 where e.status in ('succeeded', 'failed', 'cancelled', 'timed_out')
 group by 1, 2;

-- workflow-service sub-workflows (issue 5): an execution started by a subworkflow node names its parent

-- the execution (and its subworkflow node) that started this one; null for webhook, schedule, manual and re-runs
alter table execution add column parent_execution_id uuid references execution (id);
alter table execution add column parent_node_id text;
-- 0 for a top-level execution, the parent's depth + 1 for a child (bounded by max-subworkflow-depth)
alter table execution add column call_depth integer not null default 0;
-- one child per parent step, whatever retries or resumptions happen
create unique index execution_child on execution (parent_execution_id, parent_node_id)
    where parent_execution_id is not null;

-- Execution engine limits (issue 5): an execution's deadline, fixed at its first claim from the workflow's
-- settings.timeoutSeconds (or the engine default), so a replica crash does not extend it.
alter table execution add column deadline_at timestamptz;

-- The claim counts running executions per workflow and per workspace.
create index execution_running_workflow on execution (workflow_id) where status = 'running';
create index execution_running_workspace on execution (workspace_id) where status = 'running';
-- Waiting executions whose deadline passed are found by the claim.
create index execution_waiting_deadline on execution (deadline_at) where status = 'waiting';

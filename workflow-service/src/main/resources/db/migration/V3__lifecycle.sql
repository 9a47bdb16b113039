-- workflow-service lifecycle (issue 5): re-runs, cancellation requests, execution listing

-- a re-run is a new execution that names the one it repeats
alter table execution add column rerun_of uuid references execution (id);
-- set when a running execution is asked to stop; the engine checks it before every step
alter table execution add column cancel_requested_at timestamptz;

-- listing, newest first, keyset on (created_at, id)
create index execution_listing on execution (workspace_id, created_at desc, id desc);

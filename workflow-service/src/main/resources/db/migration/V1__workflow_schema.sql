-- workflow-service schema: workflows and immutable versions, executions and steps (payloads encrypted), audit outbox

create table workflow (
    id                 uuid primary key,
    workspace_id       uuid not null,
    name               text not null,
    current_version    integer not null,
    active             boolean not null default true,
    -- SHA-256 of the webhook URL token: lookups never need the token in clear
    webhook_token_hash bytea not null unique,
    -- the token itself, AES-256-GCM under the workflow's data key, so editors can see their URL again
    webhook_token_enc  bytea not null,
    data_key_wrapped   text not null,
    created_at         timestamptz not null,
    updated_at         timestamptz not null,
    deleted_at         timestamptz
);
create index workflow_workspace on workflow (workspace_id) where deleted_at is null;

create table workflow_version (
    workflow_id uuid not null references workflow (id) on delete cascade,
    version     integer not null,
    definition  jsonb not null,
    created_at  timestamptz not null,
    created_by  text,
    primary key (workflow_id, version)
);

create table execution (
    id               uuid primary key,
    workspace_id     uuid not null,
    workflow_id      uuid not null references workflow (id),
    workflow_version integer not null,
    status           text not null check (status in ('queued', 'running', 'waiting', 'succeeded', 'failed',
                                                     'cancelled', 'timed_out')),
    trigger_type     text not null,
    -- trigger input, AES-256-GCM under the execution's data key (wrapped by the key-encryption key)
    input_enc        bytea not null,
    data_key_wrapped text not null,
    error_type       text,
    -- written by the engine only, never from payload data
    error_message    text,
    attempts         integer not null default 0,
    lease_owner      text,
    lease_until      timestamptz,
    created_at       timestamptz not null,
    started_at       timestamptz,
    finished_at      timestamptz
);
create index execution_claimable on execution (created_at) where status in ('queued', 'running');
create index execution_workflow on execution (workspace_id, workflow_id, created_at desc);

create table execution_step (
    execution_id  uuid not null references execution (id) on delete cascade,
    node_id       text not null,
    status        text not null check (status in ('running', 'succeeded', 'failed')),
    output_enc    bytea,
    error_type    text,
    -- messages can echo data (a script's thrown error): encrypted like outputs
    error_enc     bytea,
    attempts      integer not null default 1,
    started_at    timestamptz not null,
    finished_at   timestamptz,
    primary key (execution_id, node_id)
);

create table audit_outbox (
    seq        bigserial primary key,
    event_id   uuid not null unique,
    payload    text not null,
    created_at timestamptz not null default now()
);

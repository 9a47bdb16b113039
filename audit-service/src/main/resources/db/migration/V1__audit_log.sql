-- The audit log: one row per accepted event, chained by SHA-256 (see README "Hash chain").
-- Every column that takes part in the hash is stored exactly as it was hashed:
--   occurred_at is truncated to microseconds before hashing (timestamptz keeps microseconds),
--   change is the canonical JSON text (not jsonb, which may reorder keys or renormalise numbers).

create table audit_event (
    seq            bigint      primary key,   -- 1..n, gapless, assigned under the chain_head lock
    id             uuid        not null unique,
    occurred_at    timestamptz not null,
    actor_type     text        not null,
    actor_id       text,
    actor_name     text,
    action         text        not null,
    resource_type  text,
    resource_id    text,
    workspace_id   text,
    outcome        text        not null check (outcome in ('success', 'failure', 'denied')),
    request_id     text,
    source_address text,
    user_agent     text,
    change         text,
    prev_hash      text        not null check (prev_hash ~ '^[0-9a-f]{64}$'),
    hash           text        not null check (hash ~ '^[0-9a-f]{64}$')
);

-- Listing is newest first (seq desc) with optional filters.
create index audit_event_workspace_seq on audit_event (workspace_id, seq);
create index audit_event_action_seq on audit_event (action, seq);
create index audit_event_actor_seq on audit_event (actor_id, seq);
create index audit_event_resource_seq on audit_event (resource_type, resource_id, seq);
create index audit_event_occurred_at on audit_event (occurred_at);

-- The end of the chain. Writers lock this single row (select … for update), so appends are serialised and seq stays
-- gapless; it also lets verification notice a truncated tail.
create table chain_head (
    id   int    primary key check (id = 1),
    seq  bigint not null,
    hash text   not null check (hash ~ '^[0-9a-f]{64}$')
);
insert into chain_head (id, seq, hash) values (1, 0, repeat('0', 64));

-- Append-only: no UPDATE, DELETE or TRUNCATE of audit events, whoever asks.
-- TODO(later issue: role separation and retention): the service will connect as a role that may only INSERT and
-- SELECT audit_event (and update chain_head), the schema will be owned by a separate migration role, and a retention
-- role will remove expired events through a dedicated, audited function that re-anchors the chain with a signed
-- checkpoint. Until then this trigger is the guard; a superuser can still disable it, which verification detects.
create function audit_event_append_only() returns trigger
    language plpgsql as $$
begin
    raise exception 'audit_event is append-only: % is not allowed', tg_op
        using errcode = 'insufficient_privilege';
end;
$$;

create trigger audit_event_no_update_delete
    before update or delete on audit_event
    for each row execute function audit_event_append_only();

create trigger audit_event_no_truncate
    before truncate on audit_event
    for each statement execute function audit_event_append_only();

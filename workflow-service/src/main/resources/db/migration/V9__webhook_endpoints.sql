-- Webhook endpoints (issue 6): where signed deliveries go. The signing secrets (current and, during a rotation's
-- overlap, previous) are one JSON document sealed with AES-256-GCM under a data key of the endpoint's own, wrapped by
-- the key-encryption key; associated data binds the ciphertext to workspace and endpoint (as for credentials). The
-- same data key seals the endpoint's delivery bodies and stored response bodies (V10), each bound to its own row.

create table webhook_endpoint (
    id                   uuid primary key,
    workspace_id         uuid not null,
    url                  text not null,
    description          text not null default '',
    -- event types that feed it (exact names, or '*' for all); empty: only what names it (webhook nodes)
    event_types          text[] not null default '{}',
    -- workflows whose execution events feed it; empty: every workflow of the workspace
    workflow_ids         uuid[] not null default '{}',
    -- custom request headers (names and values in clear; not for secrets)
    headers              jsonb not null default '{}',
    enabled              boolean not null default true,
    -- why it was disabled: 'manual', 'gone' (410), 'failing' (failing for longer than allowed)
    disabled_reason      text,
    disabled_at          timestamptz,
    -- deliveries per second to this endpoint per replica; null: no limit
    rate_limit           integer check (rate_limit is null or rate_limit > 0),
    -- delays between attempts in seconds (first = before the first attempt); null: the instance default
    retry_schedule       integer[],
    timeout_ms           integer not null check (timeout_ms > 0),
    -- {"current": "whsec_…", "previous": "whsec_…"} sealed under the data key
    secrets_enc          bytea not null,
    -- until when the previous secret still signs (both signatures are sent); null: no previous secret
    previous_valid_until timestamptz,
    data_key_wrapped     text not null,
    -- since when every attempt failed (null after a success)
    failing_since        timestamptz,
    version              integer not null,
    created_at           timestamptz not null,
    updated_at           timestamptz not null
);
create index webhook_endpoint_workspace on webhook_endpoint (workspace_id, created_at);

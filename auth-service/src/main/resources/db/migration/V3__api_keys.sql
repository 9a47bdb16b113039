-- API keys: only the SHA-256 hash of the full key and a short display prefix are stored, never the key itself

create table api_key (
    id           uuid primary key,
    workspace_id uuid not null references workspace (id) on delete cascade,
    name         text not null,
    role         text not null check (role in ('admin', 'editor', 'viewer', 'auditor')),
    prefix       text not null,
    key_hash     bytea not null unique check (octet_length(key_hash) = 32),
    created_by   uuid references app_user (id) on delete set null,
    created_at   timestamptz not null,
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
create index api_key_workspace on api_key (workspace_id, created_at);

-- auth-service schema: users, workspaces, memberships, sessions, signing keys, audit outbox

create table app_user (
    id            uuid primary key,
    username      text not null unique,
    display_name  text not null,
    password_hash text,
    owner         boolean not null default false,
    bootstrap     boolean not null default false,
    disabled      boolean not null default false,
    created_at    timestamptz not null,
    updated_at    timestamptz not null
);

create table workspace (
    id         uuid primary key,
    name       text not null unique,
    kind       text not null check (kind in ('sandbox', 'production')),
    created_at timestamptz not null
);

create table membership (
    user_id      uuid not null references app_user (id) on delete cascade,
    workspace_id uuid not null references workspace (id) on delete cascade,
    role         text not null check (role in ('admin', 'editor', 'viewer', 'auditor')),
    created_at   timestamptz not null,
    primary key (user_id, workspace_id)
);

create table login_session (
    id             uuid primary key,
    user_id        uuid not null references app_user (id) on delete cascade,
    created_at     timestamptz not null,
    expires_at     timestamptz not null,
    revoked_at     timestamptz,
    source_address text
);
create index login_session_user on login_session (user_id);

-- RSA signing keys; the private key is AES-256-GCM encrypted under a data key wrapped by the key-encryption key
create table signing_key (
    kid              text primary key,
    algorithm        text not null,
    public_jwk       text not null,
    private_key_enc  bytea not null,
    data_key_wrapped text not null,
    created_at       timestamptz not null,
    retired_at       timestamptz
);

create table audit_outbox (
    seq        bigserial primary key,
    event_id   uuid not null unique,
    payload    text not null,
    created_at timestamptz not null default now()
);

-- revoked sessions, published to every service through the revocation feed (GET /api/v1/auth/revocations)
create table revocation (
    seq        bigserial primary key,
    session_id uuid not null,
    user_id    uuid not null,
    reason     text not null,
    -- after this no token of the session can be valid any more: the entry leaves the feed
    expires_at timestamptz not null,
    created_at timestamptz not null default now()
);
create index revocation_live on revocation (expires_at);

-- Webhook deliveries (issue 6): a delivery is stored before it is attempted, in the transaction that produced it.
-- msg_id is the Standard Webhooks webhook-id: stable across retries and redeliveries.

create table webhook_delivery (
    id              uuid primary key,
    workspace_id    uuid not null,
    endpoint_id     uuid not null references webhook_endpoint (id) on delete cascade,
    msg_id          text not null,
    event_type      text not null,
    -- the raw body that is signed and sent; sealed under the endpoint's data key when body_sealed (it may hold PHI),
    -- clear JSON for execution events (ids and status only)
    body            bytea not null,
    body_sealed     boolean not null,
    status          text not null check (status in ('pending', 'delivering', 'succeeded', 'failed')),
    -- attempts made in all (redeliveries included)
    attempts        integer not null default 0,
    -- position in the retry schedule (reset by a redelivery)
    retry_index     integer not null default 0,
    next_attempt_at timestamptz,
    lease_owner     text,
    lease_until     timestamptz,
    execution_id    uuid,
    created_at      timestamptz not null,
    last_attempt_at timestamptz,
    finished_at     timestamptz
);
-- the dispatcher's queue: due pending rows, and leased rows whose lease may expire
create index webhook_delivery_due on webhook_delivery (next_attempt_at) where status = 'pending';
create index webhook_delivery_leased on webhook_delivery (lease_until) where status = 'delivering';
create index webhook_delivery_endpoint on webhook_delivery (endpoint_id, created_at desc);
create index webhook_delivery_failed on webhook_delivery (workspace_id, finished_at desc) where status = 'failed';

-- every attempt: when, the answer's status and latency, the response body (truncated, sealed), the error type
create table webhook_attempt (
    delivery_id   uuid not null references webhook_delivery (id) on delete cascade,
    attempt       integer not null,
    attempted_at  timestamptz not null,
    status_code   integer,
    latency_ms    integer not null,
    -- the first bytes of the response body, sealed under the endpoint's data key
    response_enc  bytea,
    -- null on a 2xx; else http_error, timeout, connection_error, egress_blocked, response_too_large, gone
    error_type    text,
    -- 'scheduled' or 'redelivery'
    cause         text not null,
    primary key (delivery_id, attempt)
);

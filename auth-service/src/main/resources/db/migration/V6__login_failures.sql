-- Failed logins, for the login throttle (LoginThrottle): shared by every replica, so N replicas do not multiply an
-- attacker's budget. The key is hex SHA-256 of "u:<lower-case username>" or "a:<source address>", never the name or the
-- address itself. Rows older than the throttle window are deleted periodically.
create table login_failure (
    key_hash text        not null check (key_hash ~ '^[0-9a-f]{64}$'),
    at       timestamptz not null default now()
);
create index login_failure_key_at on login_failure (key_hash, at);
create index login_failure_at on login_failure (at);

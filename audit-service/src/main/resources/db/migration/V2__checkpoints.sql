-- Signed checkpoints: (seq, hash, time) of the chain, signed with Ed25519 by a key from the secrets interface. They
-- anchor exports (and, later, the chain after retention pruning) so an auditor can check them offline.
create table checkpoint (
    seq        bigint      primary key,
    hash       text        not null check (hash ~ '^[0-9a-f]{64}$'),
    created_at timestamptz not null,
    key_id     text        not null,
    signature  text        not null
);

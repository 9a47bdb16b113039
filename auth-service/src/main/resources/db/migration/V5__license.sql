-- Installed licenses. Only the SHA-256 of the license key and its verified, parsed claims are stored; the newest
-- installed row is the instance's license, older rows are its history.

create table license (
    id            uuid primary key,
    key_hash      bytea not null check (octet_length(key_hash) = 32),
    license_id    text not null,
    licensee      text not null,
    plan          text not null,
    limits        text not null, -- JSON object: limit name → non-negative integer
    issued_at     timestamptz not null,
    expires_at    timestamptz not null,
    installed_by  uuid references app_user (id) on delete set null,
    installed_at  timestamptz not null
);
create index license_installed on license (installed_at desc);

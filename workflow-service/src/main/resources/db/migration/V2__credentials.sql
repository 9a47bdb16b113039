-- Credentials for nodes: non-secret fields in clear, secret fields as one JSON document sealed with AES-256-GCM under
-- a data key of the credential's own, wrapped by the key-encryption key (KEK). Associated data binds the ciphertext
-- to workspace and credential id; the wrapping context binds the wrapped key to them as well.

create table credential (
    id                uuid primary key,
    workspace_id      uuid not null,
    name              text not null,
    type              text not null,
    -- the type's non-secret fields (tokenUrl, clientId, username, …) as a JSON object
    fields            jsonb not null,
    -- names of the secret fields that are set, as JSON array text (names, never values): what reads show
    secret_fields_set text not null,
    -- the secret fields as one JSON object, AES-256-GCM (nonce ‖ ciphertext ‖ tag) under the data key
    secrets_enc       bytea not null,
    -- the data key wrapped by the KEK: self-describing (implementation and KEK version), e.g. vault:v3:…
    data_key_wrapped  text not null,
    version           integer not null,
    created_at        timestamptz not null,
    updated_at        timestamptz not null
);
create unique index credential_workspace_name on credential (workspace_id, lower(name));

-- OpenID Connect identities linked to MedHook users: one row per (issuer, subject) pair a provider vouches for
create table oidc_identity (
    issuer     text not null,
    subject    text not null,
    user_id    uuid not null references app_user (id) on delete cascade,
    provider   text not null,
    email      text,
    created_at timestamptz not null,
    primary key (issuer, subject)
);
create index oidc_identity_user on oidc_identity (user_id);

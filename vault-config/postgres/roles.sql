-- Run once by the PostgreSQL administrator before vault-config's bootstrap. Idempotent (passwords are set again).
--   psql -v vault_password=... -v audit_owner_password=... -v audit_writer_password=... \
--        -v audit_retention_password=... -f vault-config/postgres/roles.sql
-- Use the same three audit passwords as MEDHOOK_AUDIT_DB_*_PASSWORD for the bootstrap, which stores them in Vault KV.
--
-- auth-service and workflow-service own their databases through NOLOGIN group roles. Vault's dynamic logins join the
-- group and act as it (the bootstrap's creation statements set `role` for the login), so the tables Flyway creates
-- belong to the group and survive the login, which Vault drops when its lease ends.
-- audit-service has three fixed logins: the owner (migrations), the writer (insert and read only) and the retention
-- pruner; its migrations grant the last two their narrow rights, and its readiness checks them, so they keep their
-- names and their passwords come from Vault KV.
-- <prefix>vault is the login Vault's database engine uses to create and drop the dynamic logins: it can create roles
-- and hand out exactly the two group memberships, nothing else (not a superuser, owns nothing).
-- Names: databases <prefix>auth, <prefix>workflow, <prefix>audit; the prefix is psql's db_prefix variable
-- (-v db_prefix=...), medhook_ by default, and must match the bootstrap's MEDHOOK_DB_PREFIX.

\set ON_ERROR_STOP on
\if :{?db_prefix}
\else
\set db_prefix medhook_
\endif

select format('create role %I nologin', :'db_prefix' || r)
  from unnest(array['auth', 'workflow']) as r
 where not exists (select 1 from pg_roles where rolname = :'db_prefix' || r)
\gexec

select format('create role %I', :'db_prefix' || r)
  from unnest(array['vault', 'audit', 'audit_writer', 'audit_retention']) as r
 where not exists (select 1 from pg_roles where rolname = :'db_prefix' || r)
\gexec
select format('alter role %I with login createrole nosuperuser nocreatedb password %L', :'db_prefix' || 'vault',
              :'vault_password')
\gexec
select format('alter role %I with login nocreaterole nosuperuser nocreatedb password %L', :'db_prefix' || r, p)
  from (values ('audit', :'audit_owner_password'), ('audit_writer', :'audit_writer_password'),
               ('audit_retention', :'audit_retention_password')) as v(r, p)
\gexec

-- PostgreSQL 16+ needs ADMIN OPTION for a CREATEROLE login to grant a membership; on 15 it is harmless.
select format('grant %I to %I with admin option', :'db_prefix' || r, :'db_prefix' || 'vault')
  from unnest(array['auth', 'workflow']) as r
\gexec

select format('create database %I owner %I', :'db_prefix' || s, :'db_prefix' || s)
  from unnest(array['auth', 'workflow', 'audit']) as s
 where not exists (select 1 from pg_database where datname = :'db_prefix' || s)
\gexec
select format('alter database %I owner to %I', :'db_prefix' || s, :'db_prefix' || s)
  from unnest(array['auth', 'workflow', 'audit']) as s
\gexec

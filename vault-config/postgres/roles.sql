-- Run once by the PostgreSQL administrator before vault-config's bootstrap, when the services get their logins from
-- Vault's database engine:   psql -v vault_password=... -f vault-config/postgres/roles.sql     Idempotent.
--
-- Each service owns its database through a NOLOGIN group role. Vault's dynamic logins join that group and act as it
-- (the bootstrap's creation statements set `role` for the login), so the tables Flyway creates belong to the group and
-- survive the login, which Vault drops when its lease ends. audit-service's two restricted roles (writer, retention)
-- are groups too; its migrations grant them their narrow rights.
-- <prefix>vault is the login Vault's database engine uses to create and drop those logins: it can create roles and
-- hand out exactly these group memberships, nothing else (not a superuser, owns nothing).
-- Names: databases and group roles <prefix>auth, <prefix>workflow, <prefix>audit, plus <prefix>audit_writer and
-- <prefix>audit_retention; the prefix is psql's db_prefix variable (-v db_prefix=...), medhook_ by default, and must
-- match the bootstrap's MEDHOOK_DB_PREFIX.

\set ON_ERROR_STOP on
\if :{?db_prefix}
\else
\set db_prefix medhook_
\endif

select format('create role %I nologin', :'db_prefix' || r)
  from unnest(array['auth', 'workflow', 'audit', 'audit_writer', 'audit_retention']) as r
 where not exists (select 1 from pg_roles where rolname = :'db_prefix' || r)
\gexec

select format('create role %I', :'db_prefix' || 'vault')
 where not exists (select 1 from pg_roles where rolname = :'db_prefix' || 'vault')
\gexec
select format('alter role %I with login createrole nosuperuser nocreatedb password %L', :'db_prefix' || 'vault',
              :'vault_password')
\gexec

-- PostgreSQL 16+ needs ADMIN OPTION for a CREATEROLE login to grant a membership; on 15 it is harmless.
select format('grant %I to %I with admin option', :'db_prefix' || r, :'db_prefix' || 'vault')
  from unnest(array['auth', 'workflow', 'audit', 'audit_writer', 'audit_retention']) as r
\gexec

select format('create database %I owner %I', :'db_prefix' || s, :'db_prefix' || s)
  from unnest(array['auth', 'workflow', 'audit']) as s
 where not exists (select 1 from pg_database where datname = :'db_prefix' || s)
\gexec
select format('alter database %I owner to %I', :'db_prefix' || s, :'db_prefix' || s)
  from unnest(array['auth', 'workflow', 'audit']) as s
\gexec

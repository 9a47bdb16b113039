-- workflow-service egress allow-list (issue 5): private destinations an instance owner opened through the admin API,
-- merged with MEDHOOK_EGRESS_ALLOWED_CIDRS. One row for the installation; every replica re-reads it every few seconds.
create table egress_allow_list (
    id         smallint    primary key check (id = 1),
    -- canonical CIDRs ("10.20.0.0/16"), validated by the service (no /0, no metadata, no loopback)
    cidrs      text[]      not null default '{}',
    -- exact host names, lower case, no trailing dot
    hosts      text[]      not null default '{}',
    updated_at timestamptz not null default now(),
    -- the actor id of the last change (the audit trail has the whole history)
    updated_by text
);

insert into egress_allow_list (id) values (1);

-- Retention: the oldest events may be pruned, as a prefix of the chain, through audit_prune() only. The chain then
-- starts from chain_anchor (the seq and hash of the last pruned event), which is backed by a signed checkpoint.

create table chain_anchor (
    id   int    primary key check (id = 1),
    seq  bigint not null,
    hash text   not null check (hash ~ '^[0-9a-f]{64}$')
);
insert into chain_anchor (id, seq, hash) values (1, 0, repeat('0', 64));

-- Workspaces whose events must not be pruned (litigation, investigation).
create table legal_hold (
    workspace_id text        primary key,
    reason       text        not null,
    created_by   text,
    created_at   timestamptz not null
);

-- The append-only guard lets a DELETE through only inside audit_prune(), for rows up to the seq it is pruning.
-- Production deployments give the service's own role no DELETE privilege at all and EXECUTE on audit_prune to the
-- retention role only (README, "Retention"); the guard also holds for roles that do have DELETE.
create or replace function audit_event_append_only() returns trigger
    language plpgsql as $$
declare
    prune_upto text := current_setting('medhook.audit_prune_upto', true);
begin
    if tg_op = 'DELETE' and prune_upto is not null and prune_upto <> '' and old.seq <= prune_upto::bigint then
        return old;
    end if;
    raise exception 'audit_event is append-only: % is not allowed', tg_op
        using errcode = 'insufficient_privilege';
end;
$$;

-- Removes events seq <= upto and moves the anchor to the last removed event; returns how many were removed.
create function audit_prune(upto bigint) returns bigint
    language plpgsql as $$
declare
    anchor_hash text;
    removed     bigint;
begin
    select hash into anchor_hash from audit_event where seq = upto;
    if anchor_hash is null then
        raise exception 'audit_prune: no event with seq %', upto;
    end if;
    if upto <= (select seq from chain_anchor where id = 1) then
        raise exception 'audit_prune: seq % is already pruned', upto;
    end if;
    perform set_config('medhook.audit_prune_upto', upto::text, true);
    delete from audit_event where seq <= upto;
    get diagnostics removed = row_count;
    perform set_config('medhook.audit_prune_upto', '', true);
    update chain_anchor set seq = upto, hash = anchor_hash where id = 1;
    return removed;
end;
$$;

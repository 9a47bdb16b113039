-- Three database roles (README, "Database roles"):
--   the owner       runs these migrations and owns every object; the service holds it only for Flyway at start;
--   ${writer_role}  the service's pool: reads everything, appends events and checkpoints, moves the chain head,
--                   manages legal holds; it cannot update, delete or truncate audit events, alter or disable the
--                   append-only triggers (only the owner can), or prune;
--   ${retention_role} runs audit_prune() and nothing else that writes.
-- The roles exist before this migration runs (created by the database administrator, ./medhook up or the tests).

revoke all on audit_event, chain_head, chain_anchor, legal_hold, checkpoint from public;
revoke all on function audit_prune(bigint) from public;
revoke all on function audit_event_append_only() from public;

grant usage on schema public to "${writer_role}", "${retention_role}";

grant select, insert on audit_event to "${writer_role}";
grant select, update on chain_head to "${writer_role}";
grant select on chain_anchor to "${writer_role}";
grant select, insert on checkpoint to "${writer_role}";
grant select, insert, update, delete on legal_hold to "${writer_role}";

grant select, delete on audit_event to "${retention_role}";
grant select, update on chain_anchor to "${retention_role}";
grant select on chain_head, checkpoint, legal_hold to "${retention_role}";
grant execute on function audit_prune(bigint) to "${retention_role}";

-- audit_prune() checks for itself what retention must never do, whoever calls it: prune without a signed checkpoint at
-- the new anchor, or prune an event of a workspace under legal hold.
create or replace function audit_prune(upto bigint) returns bigint
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
    if not exists (select 1 from checkpoint where seq = upto and hash = anchor_hash) then
        raise exception 'audit_prune: no signed checkpoint at seq %', upto;
    end if;
    if exists (select 1 from audit_event e join legal_hold h on h.workspace_id = e.workspace_id where e.seq <= upto) then
        raise exception 'audit_prune: events up to seq % include a workspace under legal hold', upto;
    end if;
    perform set_config('medhook.audit_prune_upto', upto::text, true);
    delete from audit_event where seq <= upto;
    get diagnostics removed = row_count;
    perform set_config('medhook.audit_prune_upto', '', true);
    update chain_anchor set seq = upto, hash = anchor_hash where id = 1;
    return removed;
end;
$$;

package io.medhook.workflow.egress;

import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.AuditOutbox;
import io.medhook.common.problem.MedhookException;
import io.medhook.workflow.WorkflowConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The egress allow-list of the installation: {@code MEDHOOK_EGRESS_ALLOWED_CIDRS} (read-only, validated at start) merged
 * with the entries an instance owner stores through the admin API (table {@code egress_allow_list}). Every replica
 * re-reads the stored entries every {@code medhook.workflow.egress.allow-list-refresh} (5 s) and keeps the merged
 * {@link EgressPolicy} in memory, so the egress client never waits for the database.
 */
@ApplicationScoped
public class EgressAllowList {

    static final String ENV_VARIABLE = "MEDHOOK_EGRESS_ALLOWED_CIDRS";
    static final int MAX_ENTRIES = 500;
    private static final Logger LOG = Logger.getLogger(EgressAllowList.class);
    private static final Cidr V4_UNSPECIFIED = Cidr.parse("0.0.0.0/32");
    private static final Cidr V6_UNSPECIFIED = Cidr.parse("::/128");
    private static final List<Cidr> METADATA = List.of(Cidr.parse("169.254.169.254/32"),
            Cidr.parse("fd00:ec2::254/128"));
    private static final Cidr UNSPECIFIED_OR_LOOPBACK_V6 = Cidr.parse("::/127");
    private static final List<Cidr> LOOPBACK = List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128"));
    private static final List<Cidr> EMBEDDED_V4 = List.of(Cidr.parse("::/96"),
            Cidr.parse("64:ff9b::/96"), Cidr.parse("64:ff9b:1::/48"), Cidr.parse("2002::/16"));

    /** The stored entries as last read. */
    private record Stored(List<Cidr> cidrs, List<String> hosts, OffsetDateTime updatedAt) {
    }

    private final Pool pool;
    private final Vertx vertx;
    private final WorkflowConfig.Egress config;
    private final List<Cidr> environment;
    private volatile Stored stored = new Stored(List.of(), List.of(), null);
    private volatile EgressPolicy policy;
    private long timer = -1;

    public EgressAllowList(Pool pool, Vertx vertx, WorkflowConfig config) {
        this.pool = pool;
        this.vertx = vertx;
        this.config = config.egress();
        List<String> raw = this.config.allowedCidrs().orElse(List.of()).stream().map(String::strip)
                .filter(s -> !s.isEmpty()).toList();
        List<Map<String, String>> errors = new ArrayList<>();
        this.environment = validateCidrs(raw, true, ENV_VARIABLE, errors);
        if (!errors.isEmpty()) {
            throw new IllegalStateException(ENV_VARIABLE + " is not valid: " + errors.get(0).get("field") + " "
                    + errors.get(0).get("entry") + " " + errors.get(0).get("message"));
        }
        this.policy = merge(stored);
    }

    void start(@Observes StartupEvent ev) {
        refresh().subscribe().with(x -> { }, f -> LOG.warn("egress allow-list: first read failed, retrying"));
        timer = vertx.setPeriodic(Math.max(200, config.allowListRefresh().toMillis()), id -> refresh().subscribe()
                .with(x -> { }, f -> LOG.warn("egress allow-list: refresh failed, keeping the last one read")));
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** The merged policy in force on this replica. */
    public EgressPolicy policy() {
        return policy;
    }

    /** Reads the stored entries again and makes them the policy of this replica. */
    public Uni<Void> refresh() {
        return pool.query("select cidrs, hosts, updated_at from egress_allow_list where id = 1").execute()
                .invoke(rows -> apply(read(rows))).replaceWithVoid();
    }

    public Uni<EgressAllowListView> view() {
        return refresh().map(x -> view(stored));
    }

    /** Replaces the stored entries, audited as {@code egress.allow-list.update} with before and after. */
    public Uni<EgressAllowListView> replace(EgressAllowListRequest request, AuditContext audit) {
        List<String> rawCidrs = request == null || request.cidrs() == null ? List.of() : request.cidrs();
        List<String> rawHosts = request == null || request.hosts() == null ? List.of() : request.hosts();
        List<Map<String, String>> errors = new ArrayList<>();
        if (rawCidrs.size() + rawHosts.size() > MAX_ENTRIES) {
            throw MedhookException.validation("The allow-list has more than " + MAX_ENTRIES + " entries",
                    Map.of("errors", List.of(Map.of("field", "cidrs", "message", "too many entries"))));
        }
        List<Cidr> cidrs = validateCidrs(rawCidrs, false, "cidrs", errors);
        List<String> hosts = validateHosts(rawHosts, errors);
        if (!errors.isEmpty()) {
            Map<String, String> first = errors.get(0);
            throw MedhookException.validation("The allow-list is not valid: " + first.get("field") + " \""
                    + first.get("entry") + "\" " + first.get("message"), Map.of("errors", errors));
        }
        String[] cidrText = cidrs.stream().map(Cidr::toString).toArray(String[]::new);
        String[] hostText = hosts.toArray(String[]::new);
        return pool.withTransaction(tx -> tx.query(
                        "select cidrs, hosts, updated_at from egress_allow_list where id = 1 for update").execute()
                .chain(rows -> {
                    Stored before = read(rows);
                    return tx.preparedQuery("""
                                    update egress_allow_list set cidrs = $1, hosts = $2, updated_at = now(),
                                           updated_by = $3 where id = 1 returning cidrs, hosts, updated_at""")
                            .execute(Tuple.of(cidrText, hostText, audit.actor() == null ? null : audit.actor().id()))
                            .chain(updated -> {
                                Stored after = read(updated);
                                EgressAllowListAudit b = snapshot(before);
                                EgressAllowListAudit a = snapshot(after);
                                if (!AuditChange.differ(b, a)) {
                                    return Uni.createFrom().item(after);
                                }
                                return AuditOutbox.append(tx, AuditEvent.of(audit, "egress.allow-list.update",
                                        "egress-allow-list", "installation", null, AuditEvent.Outcome.success,
                                        AuditChange.updated(b, a))).replaceWith(after);
                            });
                }))
                .invoke(this::apply)
                .map(this::view);
    }

    private EgressAllowListView view(Stored s) {
        return new EgressAllowListView(s.cidrs().stream().map(Cidr::toString).toList(), s.hosts(),
                new EgressAllowListView.Environment(ENV_VARIABLE, environment.stream().map(Cidr::toString).toList(),
                        true),
                s.updatedAt(), Math.max(1, config.allowListRefresh().toSeconds()));
    }

    /** Makes what was read the policy, unless a newer state was applied meanwhile (a refresh racing a change). */
    private synchronized void apply(Stored s) {
        Stored current = stored;
        if (current.updatedAt() != null && s.updatedAt() != null && s.updatedAt().isBefore(current.updatedAt())) {
            return;
        }
        stored = s;
        policy = merge(s);
    }

    private EgressPolicy merge(Stored s) {
        List<Cidr> all = new ArrayList<>(environment);
        all.addAll(s.cidrs());
        return new EgressPolicy(all, new HashSet<>(s.hosts()));
    }

    private static Stored read(RowSet<Row> rows) {
        if (!rows.iterator().hasNext()) {
            return new Stored(List.of(), List.of(), null);
        }
        Row r = rows.iterator().next();
        List<Cidr> cidrs = new ArrayList<>();
        for (String c : r.getArrayOfStrings("cidrs")) {
            try {
                cidrs.add(Cidr.parse(c));
            } catch (IllegalArgumentException e) {
                LOG.warn("egress allow-list: a stored CIDR does not parse and is ignored");
            }
        }
        return new Stored(List.copyOf(cidrs), List.of(r.getArrayOfStrings("hosts")), r.getOffsetDateTime("updated_at"));
    }

    private static EgressAllowListAudit snapshot(Stored s) {
        return new EgressAllowListAudit(s.cidrs().stream().map(Cidr::toString).toList(), s.hosts());
    }

    /**
     * Parses and checks CIDR entries; problems go to {@code errors} as {@code {field, entry, message}}. Refused: what
     * does not parse, bits beyond the prefix, wider than /8 (IPv4) or /7 (IPv6), covering the unspecified address,
     * the cloud metadata address or IPv4-in-IPv6 forms, and (API only) loopback.
     */
    static List<Cidr> validateCidrs(List<String> raw, boolean loopbackAllowed, String field,
            List<Map<String, String>> errors) {
        Set<Cidr> out = new LinkedHashSet<>();
        for (int i = 0; i < raw.size(); i++) {
            String entry = raw.get(i) == null ? "" : raw.get(i).strip();
            String where = field + "[" + i + "]";
            Cidr c;
            try {
                c = Cidr.parse(entry);
            } catch (IllegalArgumentException e) {
                errors.add(error(where, entry, Cidr.MAPPED.equals(e.getMessage())
                        ? "covers IPv4 addresses embedded in IPv6 (mapped): list the IPv4 range instead"
                        : "is not a CIDR: give a numeric IPv4 or IPv6 address with an optional "
                        + "/prefix (for host names use hosts)"));
                continue;
            }
            boolean v4 = c.network().length == 4;
            String problem = null;
            if (c.prefix() < (v4 ? 8 : 7)) {
                problem = "is too broad: at most /8 for IPv4 and /7 for IPv6 (0.0.0.0/0 or ::/0 would switch the "
                        + "protection off)";
            } else if (c.hasHostBits()) {
                problem = "has address bits set beyond its prefix (the network is " + c.masked() + ")";
            } else if (c.overlaps(V4_UNSPECIFIED) || c.overlaps(V6_UNSPECIFIED)) {
                problem = "covers the unspecified address (0.0.0.0 or ::), which reaches this replica itself";
            } else if (METADATA.stream().anyMatch(c::overlaps)) {
                problem = "covers the cloud metadata address (169.254.169.254)";
            } else if (EMBEDDED_V4.stream().anyMatch(c::overlaps)
                    && !(c.prefix() >= 127 && UNSPECIFIED_OR_LOOPBACK_V6.contains(c.network()))) {
                problem = "covers IPv4 addresses embedded in IPv6 (mapped, compatible, NAT64, 6to4): list the IPv4 "
                        + "range instead";
            } else if (!loopbackAllowed && LOOPBACK.stream().anyMatch(c::overlaps)) {
                problem = "covers loopback, which would let workflows reach this replica itself";
            }
            if (problem != null) {
                errors.add(error(where, entry, problem));
            } else {
                out.add(c);
            }
        }
        return List.copyOf(out);
    }

    /** Normalises and checks host entries: exact DNS names, no wildcards, no addresses, no reserved names. */
    static List<String> validateHosts(List<String> raw, List<Map<String, String>> errors) {
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < raw.size(); i++) {
            String entry = raw.get(i) == null ? "" : raw.get(i).strip();
            String where = "hosts[" + i + "]";
            String h = EgressPolicy.normaliseHost(entry);
            String problem;
            if (h.contains("*")) {
                problem = "is a wildcard: list exact host names";
            } else if (h.contains(":") || h.contains("/") || EgressTarget.isCanonicalIpv4(h)) {
                problem = "is an address, not a host name: list it under cidrs";
            } else {
                problem = EgressTarget.hostProblem(h);
            }
            if (problem != null) {
                errors.add(error(where, entry, problem));
            } else {
                out.add(h);
            }
        }
        return List.copyOf(out);
    }

    private static Map<String, String> error(String field, String entry, String message) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("field", field);
        m.put("entry", entry.length() > 300 ? entry.substring(0, 300) + "…" : entry);
        m.put("message", message);
        return m;
    }
}

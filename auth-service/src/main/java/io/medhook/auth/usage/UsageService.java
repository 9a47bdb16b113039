package io.medhook.auth.usage;

import io.medhook.auth.access.Access;
import io.medhook.auth.license.License;
import io.medhook.auth.user.User;
import io.medhook.common.security.MedhookPrincipal;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;

/** The usage report for instance owners: the license in force and aggregate counters, nothing else. */
@ApplicationScoped
public class UsageService {

    private record Local(License license, long users) {
    }

    private final Access access;
    private final WorkflowUsageClient workflows;

    public UsageService(Access access, WorkflowUsageClient workflows) {
        this.access = access;
        this.workflows = workflows;
    }

    public Uni<UsageReport> report(MedhookPrincipal caller, String period, String from, String to) {
        Instant now = Instant.now();
        return Panache.withSession(() -> access.requireOwner(caller)
                .chain(o -> License.current())
                .chain(l -> User.count("disabled = false").map(n -> new Local(l, n))))
                .chain(local -> workflows.fetch(period, from, to).map(w -> new UsageReport(
                        summary(local.license(), now), w.period(), w.from(), w.to(),
                        new UsageReport.Totals(w.totals().workspaces(), w.totals().workflows(), local.users()),
                        w.periods())));
    }

    private static UsageReport.LicenseSummary summary(License l, Instant now) {
        if (l == null) {
            return new UsageReport.LicenseSummary("none", null, java.util.Map.of(), null);
        }
        return new UsageReport.LicenseSummary(l.expiresAt.isAfter(now) ? "active" : "expired", l.plan,
                l.limitMap(), l.expiresAt.atZone(ZoneOffset.UTC).toLocalDate());
    }
}

package io.medhook.workflow.usage;

import io.medhook.common.problem.MedhookException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts for the usage report, from the {@code usage_daily} counters (per workspace and UTC day of creation, written
 * in the transaction that ends each execution, so they survive retention); nothing but counts leaves this class.
 * An execution is counted once it has ended (succeeded, failed, cancelled, timed out).
 */
@ApplicationScoped
public class UsageService {

    static final int MAX_DAYS = 400;
    static final int MAX_MONTHS = 36;

    private final Pool pool;

    public UsageService(Pool pool) {
        this.pool = pool;
    }

    public Uni<UsageReport> report(String period, String from, String to) {
        String p = period == null || period.isBlank() ? "month" : period;
        if (!p.equals("day") && !p.equals("month")) {
            throw invalid("period", "must be day or month");
        }
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate end = to == null || to.isBlank() ? today : date("to", to);
        LocalDate start = from == null || from.isBlank()
                ? (p.equals("day") ? end.minusDays(29) : end.withDayOfMonth(1).minusMonths(11))
                : date("from", from);
        if (start.isAfter(end)) {
            throw invalid("from", "must not be after to");
        }
        LocalDate first = p.equals("day") ? start : start.withDayOfMonth(1);
        long count = p.equals("day") ? ChronoUnit.DAYS.between(first, end) + 1
                : ChronoUnit.MONTHS.between(first, end.withDayOfMonth(1)) + 1;
        if (count > (p.equals("day") ? MAX_DAYS : MAX_MONTHS)) {
            throw invalid("from", "the range covers at most " + MAX_DAYS + " days or " + MAX_MONTHS + " months");
        }
        Uni<UsageReport.Totals> totals = pool.query("""
                select count(distinct workspace_id) as workspaces, count(*) as workflows
                  from workflow where deleted_at is null""").execute()
                .map(rows -> {
                    Row r = rows.iterator().next();
                    return new UsageReport.Totals(r.getLong("workspaces"), r.getLong("workflows"));
                });
        Uni<Map<LocalDate, long[]>> counters = pool.preparedQuery("""
                select (date_trunc($1, day::timestamp))::date as bucket, sum(executions)::bigint as n,
                       sum(succeeded)::bigint as ok, sum(failed)::bigint as failed, sum(credits)::bigint as credits
                  from usage_daily where day >= $2 and day < $3 group by 1""")
                .execute(Tuple.of(p, first, end.plusDays(1))).map(rows -> {
                    Map<LocalDate, long[]> m = new HashMap<>();
                    for (Row r : rows) {
                        m.put(r.getLocalDate("bucket"), new long[] {r.getLong("n"), r.getLong("ok"),
                                r.getLong("failed"), r.getLong("credits")});
                    }
                    return m;
                });
        return Uni.combine().all().unis(totals, counters).with((t, e) -> {
            List<UsageReport.Period> periods = new ArrayList<>();
            for (LocalDate d = first; !d.isAfter(end); d = p.equals("day") ? d.plusDays(1) : d.plusMonths(1)) {
                long[] x = e.getOrDefault(d, new long[4]);
                periods.add(new UsageReport.Period(d, x[0], x[1], x[2], x[3]));
            }
            return new UsageReport(p, first, end, t, List.copyOf(periods));
        });
    }

    private static LocalDate date(String field, String value) {
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw invalid(field, "must be a date (YYYY-MM-DD)");
        }
    }

    private static MedhookException invalid(String field, String message) {
        return MedhookException.validation("The request is not valid",
                Map.of("errors", List.of(Map.of("field", field, "message", message))));
    }
}

package io.medhook.workflow.usage;

import io.medhook.common.problem.MedhookException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Counts for the usage report, straight from the execution tables; nothing but counts leaves this class. */
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
        OffsetDateTime lower = first.atStartOfDay().atOffset(ZoneOffset.UTC);
        OffsetDateTime upper = end.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC);
        Tuple window = Tuple.of(p, lower, upper);
        Uni<UsageReport.Totals> totals = pool.query("""
                select count(distinct workspace_id) as workspaces, count(*) as workflows
                  from workflow where deleted_at is null""").execute()
                .map(rows -> {
                    Row r = rows.iterator().next();
                    return new UsageReport.Totals(r.getLong("workspaces"), r.getLong("workflows"));
                });
        Uni<Map<LocalDate, long[]>> executions = pool.preparedQuery("""
                select (date_trunc($1, created_at at time zone 'UTC'))::date as bucket, count(*) as n,
                       count(*) filter (where status = 'succeeded') as ok,
                       count(*) filter (where status in ('failed', 'timed_out')) as failed
                  from execution where created_at >= $2 and created_at < $3 group by 1""")
                .execute(window).map(rows -> {
                    Map<LocalDate, long[]> m = new HashMap<>();
                    for (Row r : rows) {
                        m.put(r.getLocalDate("bucket"), new long[] {r.getLong("n"), r.getLong("ok"), r.getLong("failed")});
                    }
                    return m;
                });
        Uni<Map<LocalDate, Long>> credits = pool.preparedQuery("""
                select (date_trunc($1, started_at at time zone 'UTC'))::date as bucket, count(*) as n
                  from execution_step where started_at >= $2 and started_at < $3 and status <> 'skipped'
                 group by 1""")
                .execute(window).map(rows -> {
                    Map<LocalDate, Long> m = new HashMap<>();
                    for (Row r : rows) {
                        m.put(r.getLocalDate("bucket"), r.getLong("n"));
                    }
                    return m;
                });
        return Uni.combine().all().unis(totals, executions, credits).with((t, e, c) -> {
            List<UsageReport.Period> periods = new ArrayList<>();
            for (LocalDate d = first; !d.isAfter(end); d = p.equals("day") ? d.plusDays(1) : d.plusMonths(1)) {
                long[] x = e.getOrDefault(d, new long[3]);
                periods.add(new UsageReport.Period(d, x[0], x[1], x[2], c.getOrDefault(d, 0L)));
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

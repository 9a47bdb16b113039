package io.medhook.workflow.usage;

import java.time.LocalDate;
import java.util.List;

/**
 * Aggregate usage of the whole instance. By construction it holds only counts and dates: no workflow, workspace or user
 * identifier, name, payload or credential can be expressed in it.
 *
 * @param period  {@code day} or {@code month} (UTC)
 * @param from    first day covered (inclusive; for months, the first day of the first month)
 * @param to      last day covered (inclusive)
 * @param totals  counts at the time of the report
 * @param periods one entry per period in [from, to], oldest first, zeros included
 */
public record UsageReport(String period, LocalDate from, LocalDate to, Totals totals, List<Period> periods) {

    /** Live (not deleted) workspaces holding workflows, and live workflows. */
    public record Totals(long workspaces, long workflows) {
    }

    /**
     * Executions created in a period, by outcome so far, and credits consumed: one credit per node run (step) started in
     * the period.
     */
    public record Period(LocalDate start, long executions, long succeeded, long failed, long credits) {
    }
}

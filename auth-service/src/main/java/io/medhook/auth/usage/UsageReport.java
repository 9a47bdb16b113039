package io.medhook.auth.usage;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * The usage report: the license's plan and limits beside aggregate counters. Every leaf is a number, a date or one of
 * a few fixed words; no name, identifier, payload, credential or user identity can be expressed in it. workflow-service's
 * answer is read into these types strictly (unknown fields refused), so it cannot smuggle anything else through.
 */
public record UsageReport(LicenseSummary license, String period, LocalDate from, LocalDate to, Totals totals,
        List<Period> periods) {

    /** {@code status}: none, active or expired; {@code limits}: limit name → maximum (empty without a license). */
    public record LicenseSummary(String status, String plan, Map<String, Long> limits, LocalDate expiresOn) {
    }

    public record Totals(long workspaces, long workflows, long users) {
    }

    /** Executions created in the period and their outcome so far; credits: node runs started in the period. */
    public record Period(LocalDate start, long executions, long succeeded, long failed, long credits) {
    }

    /** workflow-service's part of the report, as it sends it. */
    public record WorkflowUsage(String period, LocalDate from, LocalDate to, WorkflowTotals totals,
            List<Period> periods) {
    }

    public record WorkflowTotals(long workspaces, long workflows) {
    }
}

/**
 * The audit client every producing service uses: {@link io.medhook.common.audit.AuditEvent} (the event as
 * audit-service ingests it), {@link io.medhook.common.audit.AuditOutbox} / {@link io.medhook.common.audit.HibernateAuditOutbox}
 * (written in the caller's transaction) and {@link io.medhook.common.audit.OutboxRelay} (delivery).
 *
 * <h2>Masking</h2>
 * An event's {@code change} never holds a secret or PHI. Which fields are which is declared on the data model with
 * {@link io.medhook.common.audit.Sensitive @Sensitive}({@link io.medhook.common.audit.Sensitivity#SECRET SECRET} or
 * {@link io.medhook.common.audit.Sensitivity#PHI PHI}) on the components of a snapshot record next to the model, and
 * {@link io.medhook.common.audit.AuditChange} turns snapshots into {@code {"after":…}}, {@code {"before":…}} or an
 * update's diff of changed fields, with masked values replaced by {@code "[secret]"} / {@code "[phi]"}. An undeclared
 * component whose name looks like a secret is refused with an {@link java.lang.IllegalStateException} naming the class
 * and field: names only catch a forgotten declaration, they never decide the masking.
 */
package io.medhook.common.audit;

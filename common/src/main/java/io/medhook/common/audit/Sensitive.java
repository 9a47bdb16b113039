package io.medhook.common.audit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares on the data model what a record component (or a field of a plain snapshot class) holds, so that
 * {@link AuditChange} masks it in audit events:
 *
 * <pre>{@code
 * public record UserAudit(String username, @Sensitive(Sensitivity.SECRET) String passwordHash) { }
 * }</pre>
 *
 * A component without the annotation is recorded as is, unless its name looks like a secret ({@code password},
 * {@code token}, {@code key}, …): then {@link AuditChange} refuses the class, so that the model says which it is
 * ({@code @Sensitive(Sensitivity.CLEAR)} for a reviewed false alarm such as a key id).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.RECORD_COMPONENT, ElementType.FIELD })
public @interface Sensitive {

    Sensitivity value();
}

package io.medhook.common.audit;

/**
 * What kind of data a field of an audit snapshot holds, declared with {@link Sensitive}. {@link AuditChange} replaces
 * a {@link #SECRET} or {@link #PHI} value by its {@link #marker()}: the marker says what kind of data was there, never
 * its content or length.
 */
public enum Sensitivity {

    /** Reviewed and safe to record as is. Declaring it is only needed where a name looks like a secret. */
    CLEAR(null),

    /** Credentials and anything derived from them: passwords, keys, tokens, their hashes, auth headers. */
    SECRET("[secret]"),

    /** Protected health information: anything that may identify a patient or describe their care. */
    PHI("[phi]");

    private final String marker;

    Sensitivity(String marker) {
        this.marker = marker;
    }

    /** What an audit event shows instead of a value of this kind; null for {@link #CLEAR}. */
    public String marker() {
        return marker;
    }

    public boolean masked() {
        return marker != null;
    }
}

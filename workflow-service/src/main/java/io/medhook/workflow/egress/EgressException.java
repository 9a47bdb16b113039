package io.medhook.workflow.egress;

/**
 * An outbound request that did not produce a response: {@code egress_blocked}, {@code timeout},
 * {@code connection_error} or {@code response_too_large}. Messages never contain the URL's query or any body.
 */
public class EgressException extends RuntimeException {

    /** The error type of every refused destination. */
    public static final String BLOCKED = "egress_blocked";

    private final String type;

    public EgressException(String type, String message) {
        super(message, null, false, false);
        this.type = type;
    }

    public String type() {
        return type;
    }
}

package io.medhook.workflow.engine;

/**
 * A node did not produce an output. {@code type} is machine-readable ({@code script_error}, {@code timeout},
 * {@code egress_blocked}, {@code http_error}, ...); {@code message} may echo data and is stored encrypted.
 */
public class StepFailure extends RuntimeException {

    private final String type;

    public StepFailure(String type, String message) {
        super(message, null, false, false);
        this.type = type;
    }

    public String type() {
        return type;
    }
}

package io.medhook.sandbox.execution;

import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;

/** Every execution slot and every queue place is taken; the caller should retry shortly. */
public class SandboxBusyException extends MedhookException {

    /** Seconds a client should wait before retrying. */
    public static final int RETRY_AFTER_SECONDS = 1;

    public SandboxBusyException() {
        super(ErrorKind.UNAVAILABLE, "The sandbox is running at capacity; retry shortly");
    }
}

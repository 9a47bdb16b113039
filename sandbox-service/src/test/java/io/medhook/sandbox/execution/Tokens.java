package io.medhook.sandbox.execution;

import io.medhook.testing.TestIssuer;

/** Tokens the tests present; all minted by the running {@link TestIssuer}. */
final class Tokens {

    static final String AUDIENCE = "medhook-sandbox";

    private Tokens() {
    }

    /** What workflow-service presents. */
    static String workflowService() {
        return TestIssuer.current().service("workflow-service", AUDIENCE);
    }
}

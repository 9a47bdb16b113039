package io.medhook.sandbox.runtime;

import java.util.Locale;

/** How GraalJS executes guest code in this JVM. */
public enum RuntimeMode {
    /** Truffle's optimizing runtime: hot guest code is compiled to machine code by the Graal compiler. */
    OPTIMIZED,
    /** Truffle's fallback runtime: every guest operation is interpreted. */
    INTERPRETER;

    /** The name in logs, health data and the {@code mode}/{@code requested} metric tags. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}

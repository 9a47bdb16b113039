package io.medhook.workflow;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "medhook.workflow")
public interface WorkflowConfig {

    /** Base URL under which this service is reachable by webhook senders; webhook URLs are built on it. */
    @WithDefault("http://127.0.0.1:8082")
    String publicUrl();

    Webhook webhook();

    Engine engine();

    Egress egress();

    Credentials credentials();

    interface Credentials {
        /** Credentials re-wrapped per transaction by the key-encryption key rotation job. */
        @WithDefault("100")
        int rewrapBatchSize();
    }

    interface Webhook {
        /** Largest inbound webhook body accepted, in bytes. */
        @WithDefault("1048576")
        int maxBodyBytes();
    }

    interface Engine {
        /** Whether this replica runs workers (a replica may serve only the API). */
        @WithDefault("true")
        boolean enabled();

        /** Executions one replica runs at the same time. */
        @WithDefault("16")
        int concurrency();

        /** How often an idle worker looks for work when no notification arrived. */
        @WithDefault("500ms")
        Duration pollInterval();

        /** How long a claimed execution stays leased without renewal before another replica may resume it. */
        @WithDefault("30s")
        Duration lease();

        /** The longest a wait node may wait (at most 7 days, the bound validation applies on save). */
        @WithDefault("7d")
        Duration maxWait();

        /** Identifies this replica in leases; random when not set. */
        Optional<String> workerId();
    }

    interface Egress {
        /**
         * Private, loopback or link-local CIDRs that workflows may reach anyway (env MEDHOOK_EGRESS_ALLOWED_CIDRS,
         * comma-separated). Empty by default: only public addresses.
         */
        Optional<List<String>> allowedCidrs();

        /** Time limit of one outbound request, connection included. */
        @WithDefault("30s")
        Duration timeout();

        /** Largest response body read, in bytes. */
        @WithDefault("10485760")
        int maxResponseBytes();

        /** Redirects followed (each one checked again). */
        @WithDefault("5")
        int maxRedirects();
    }
}

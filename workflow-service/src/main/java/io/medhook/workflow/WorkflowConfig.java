package io.medhook.workflow;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    Schedule schedule();

    Retention retention();

    Delivery delivery();

    /** Signed webhook delivery (issue 6): endpoints, the dispatcher, retries, redelivery. */
    interface Delivery {
        /** Whether this replica runs the delivery dispatcher (every replica may: claims are leased). */
        @WithDefault("true")
        boolean enabled();

        /** How often the dispatcher looks for due deliveries when nothing woke it. */
        @WithDefault("50ms")
        Duration pollInterval();

        /** Deliveries one replica sends at the same time, over all endpoints. */
        @WithDefault("64")
        int concurrency();

        /** Deliveries to one endpoint in flight at once across all replicas: a slow endpoint holds at most this many. */
        @WithDefault("4")
        int endpointConcurrency();

        /** Deliveries claimed per query. */
        @WithDefault("200")
        int batchSize();

        /** How long a claimed delivery stays leased; a replica that dies holding it loses it after this. */
        @WithDefault("60s")
        Duration lease();

        /**
         * How long a stopping replica waits for the sends it has in flight to be answered and recorded before it stops
         * them and hands their leases back, so another replica sends them again at once (same {@code webhook-id}).
         * Runs after the execution engine's {@code drain-timeout} (both on shutdown, one after the other).
         */
        @WithDefault("10s")
        Duration drainTimeout();

        /**
         * Delays before each attempt, the first one included (like Svix: immediately, 5 s, 5 min, 30 min, 2 h, 5 h,
         * 10 h, 10 h); an endpoint may set its own. After the last one fails the delivery is {@code failed}.
         */
        @WithDefault("0s,5s,5m,30m,2h,5h,10h,10h")
        List<Duration> retrySchedule();

        /** Jitter applied to every retry delay, as a fraction (0.1: up to 10 % earlier or later). */
        @WithDefault("0.1")
        double jitter();

        /** The longest {@code Retry-After} honoured; a longer one is cut to this. */
        @WithDefault("1h")
        Duration retryAfterMax();

        /** Time limit of one attempt when the endpoint sets none: a 2xx must arrive within it. */
        @WithDefault("15s")
        Duration timeout();

        /** The longest timeout an endpoint may set (at most the egress client's own {@code egress.timeout}). */
        @WithDefault("30s")
        Duration maxTimeout();

        /** An endpoint whose attempts have all failed for this long is disabled (and the disabling audited). */
        @WithDefault("5d")
        Duration disableAfter();

        /** How long a rotated-out signing secret keeps signing (both signatures are sent) unless the rotation says. */
        @WithDefault("24h")
        Duration secretOverlap();

        /** Bytes of a response body kept with an attempt. */
        @WithDefault("1024")
        int responseBodyBytes();

        /** Redelivery requests per workspace and minute (single or bulk); more get 429. */
        @WithDefault("10")
        int redeliveriesPerMinute();

        /** Largest delivery body, in bytes. */
        @WithDefault("1048576")
        int maxBodyBytes();

        /**
         * The kind of a workspace not listed in {@code workspace-kinds}: {@code production} (https endpoints only) or
         * {@code sandbox} (http allowed). The access token does not carry the kind, so it is configured here.
         */
        @WithDefault("production")
        String defaultWorkspaceKind();

        /** Workspace kinds by workspace id ({@code sandbox} or {@code production}). */
        Map<String, String> workspaceKinds();
    }

    interface Retention {
        /** Days after its end that an execution's payloads (input, outputs, error messages, data key) are kept. */
        @WithDefault("30")
        int defaultDays();

        /** Per-workspace overrides of {@code default-days}: {@code medhook.workflow.retention.workspaces.<id>=N}. */
        Map<String, Integer> workspaces();

        /** Whether this replica runs the retention job (every replica may: purges skip rows another one holds). */
        @WithDefault("true")
        boolean enabled();

        /** How often the retention job runs. */
        @WithDefault("1h")
        Duration interval();

        /** Executions purged per transaction (the job repeats until a batch comes back short). */
        @WithDefault("500")
        int batchSize();
    }

    interface Schedule {
        /** Whether this replica looks for due schedule ticks (every replica may: each tick fires once in all). */
        @WithDefault("true")
        boolean enabled();

        /** How often the scheduler looks for due ticks. */
        @WithDefault("1s")
        Duration interval();

        /**
         * How late a tick may be found and still count as on time: older ticks are "missed" (a {@code skip} schedule
         * drops them, a {@code catch-up} schedule fires them).
         */
        @WithDefault("60s")
        Duration misfireThreshold();

        /** Most missed ticks a {@code catch-up} schedule fires at once after a downtime (the latest ones). */
        @WithDefault("100")
        int catchUpLimit();

        /** Schedules claimed per transaction. */
        @WithDefault("50")
        int batchSize();
    }

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

        /**
         * How long a stopping replica waits for the executions it runs to end (or park at a wait) before it stops
         * them and hands their leases back, so another replica claims them at once and resumes them at their first
         * unfinished step. It runs after Quarkus's own graceful shutdown ({@code quarkus.shutdown.timeout}, the HTTP
         * requests in flight), so the preStop pause, that phase and this wait must end before the pod is killed.
         */
        @WithDefault("20s")
        Duration drainTimeout();

        /**
         * How deep sub-workflow calls may nest (a workflow started by a {@code subworkflow} node is at depth 1, one
         * it calls at depth 2, …); checked on save along the chain of saved definitions and again at run time.
         */
        @WithDefault("5")
        int maxSubworkflowDepth();

        /** The longest a wait node may wait (at most 7 days, the bound validation applies on save). */
        @WithDefault("7d")
        Duration maxWait();

        /**
         * How long an execution may run, from its first claim, when its workflow sets no
         * {@code settings.timeoutSeconds}; past it the execution ends {@code timed_out} before its next step.
         */
        @WithDefault("1h")
        Duration executionTimeout();

        /** The longest execution timeout this instance grants, whatever a workflow's settings ask for. */
        @WithDefault("24h")
        Duration maxExecutionTimeout();

        /**
         * Executions of one workspace running at once across all replicas (enforced by the claim); more stay queued.
         */
        @WithDefault("50")
        int workspaceConcurrency();

        /** Per-workspace replacements of {@code workspace-concurrency}, keyed by workspace id. */
        Map<String, Integer> workspaceConcurrencyOverrides();

        /** Identifies this replica in leases; random when not set. */
        Optional<String> workerId();

        /**
         * Step error types that are transient and retried within the execution: sandbox-service busy (503/429) or
         * unreachable, a connection to the destination that could not be made. A script's own error, a limit or an
         * HTTP error answer is not retried.
         */
        @WithDefault("sandbox_unavailable,connection_error")
        List<String> retryOn();

        /** Attempts of a step in all (the first included) when it fails with an error type in {@code retry-on}. */
        @WithDefault("4")
        int stepAttempts();

        /** Wait before the second attempt; it doubles for each further attempt (with jitter), at most 10 times. */
        @WithDefault("500ms")
        Duration retryBackoff();
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

        /**
         * How often each replica re-reads the stored allow-list (admin API): a change takes effect on every replica
         * within this time.
         */
        @WithDefault("5s")
        Duration allowListRefresh();
    }
}

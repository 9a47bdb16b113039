package io.medhook.audit;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of audit-service. */
@ConfigMapping(prefix = "medhook.audit")
public interface AuditConfig {

    /** Batch ingest from the producers' outbox relays. */
    Ingest ingest();

    /** Listing of events. */
    Query query();

    /** Verification of the hash chain. */
    Verify verify();

    /** Signed checkpoints of the chain. */
    Checkpoint checkpoint();

    /** Exports. */
    Export export();

    /** Pruning of old events. */
    Retention retention();

    interface Retention {
        /** Events older than this are pruned (a prefix of the chain; legal holds stop it). */
        @WithDefault("90d")
        java.time.Duration period();

        /** How often retention runs on its own. */
        @WithDefault("24h")
        java.time.Duration interval();

        /** Whether retention runs on its own (owners can still run it through the API). */
        @WithDefault("true")
        boolean enabled();
    }

    interface Checkpoint {
        /** How often the head is checkpointed (when it moved). */
        @WithDefault("10m")
        java.time.Duration interval();
    }

    interface Export {
        /** Rows read from PostgreSQL per page while streaming an export. */
        @WithDefault("2000")
        int pageSize();
    }

    interface Ingest {
        /** Most events one batch request may carry; larger batches are refused whole with 413. */
        @WithDefault("1000")
        int maxBatchSize();
    }

    interface Query {
        /** Events per page when the caller gives no {@code limit}. */
        @WithDefault("50")
        int defaultLimit();

        /** Largest {@code limit} a caller may ask for; larger values are refused with 400. */
        @WithDefault("500")
        int maxLimit();
    }

    interface Verify {
        /** Rows read per page while verifying, so a long chain is streamed, never loaded whole. */
        @WithDefault("5000")
        int pageSize();
    }
}

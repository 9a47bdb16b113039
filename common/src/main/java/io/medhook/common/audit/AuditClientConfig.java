package io.medhook.common.audit;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "medhook.audit-client")
public interface AuditClientConfig {

    /** Base URL of audit-service. */
    @WithDefault("http://127.0.0.1:8084")
    String url();

    /** How often the relay looks for undelivered events when the last run found none. */
    @WithDefault("500ms")
    Duration relayInterval();

    /** Longest wait between two attempts while audit-service is unreachable. */
    @WithDefault("30s")
    Duration maxBackoff();

    /** Events sent per batch. */
    @WithDefault("500")
    int batchSize();
}

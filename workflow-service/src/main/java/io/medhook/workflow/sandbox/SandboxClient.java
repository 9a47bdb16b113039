package io.medhook.workflow.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import io.medhook.common.security.Claims;
import io.medhook.common.security.ServiceTokens;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Runs a code node's script in sandbox-service with a client-credentials token for the sandbox audience. Scripts are
 * pure functions of their input, so a request lost on the way is retried once.
 */
@ApplicationScoped
public class SandboxClient {

    private final SandboxRestClient rest;
    private final ServiceTokens tokens;

    public SandboxClient(@RestClient SandboxRestClient rest, ServiceTokens tokens) {
        this.rest = rest;
        this.tokens = tokens;
    }

    @Timeout(30_000)
    @Retry(maxRetries = 1, delay = 200, abortOn = SandboxRejectedException.class)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.75, delay = 5_000,
            skipOn = SandboxRejectedException.class)
    public Uni<SandboxResult> run(String source, JsonNode input) {
        return tokens.token(Claims.AUD_SANDBOX)
                .chain(t -> rest.run("Bearer " + t, new SandboxRequest(source, input, null)))
                .onFailure(jakarta.ws.rs.WebApplicationException.class).transform(e -> {
                    int status = ((jakarta.ws.rs.WebApplicationException) e).getResponse().getStatus();
                    // 4xx means sandbox-service understood and refused the request: retrying will not help
                    return status >= 400 && status < 500 && status != 429
                            ? new SandboxRejectedException(status) : e;
                });
    }

    /** sandbox-service refused the request (4xx other than 429). */
    public static class SandboxRejectedException extends RuntimeException {
        private final int status;

        public SandboxRejectedException(int status) {
            super("sandbox-service refused the request with status " + status, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}

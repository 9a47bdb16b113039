package io.medhook.auth.usage;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.medhook.auth.AuthConfig;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.security.Claims;
import io.medhook.common.security.ServiceTokens;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.jboss.logging.Logger;

/** Reads workflow-service's aggregate counters with a service token for {@code medhook-workflow}. */
@ApplicationScoped
public class WorkflowUsageClient {

    private static final Logger LOG = Logger.getLogger(WorkflowUsageClient.class);
    private static final ObjectMapper STRICT = new ObjectMapper().registerModule(new JavaTimeModule())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private final WebClient client;
    private final ServiceTokens tokens;
    private final String url;
    private final Duration timeout;

    public WorkflowUsageClient(Vertx vertx, ServiceTokens tokens, AuthConfig config) {
        String url = config.usage().workflowUrl();
        this.client = WebClient.create(vertx);
        this.tokens = tokens;
        this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.timeout = config.usage().timeout();
    }

    public Uni<UsageReport.WorkflowUsage> fetch(String period, String from, String to) {
        return tokens.token(Claims.AUD_WORKFLOW).chain(token -> {
            var req = client.getAbs(url + "/internal/v1/usage").bearerTokenAuthentication(token)
                    .timeout(timeout.toMillis());
            if (period != null) {
                req.addQueryParam("period", period);
            }
            if (from != null) {
                req.addQueryParam("from", from);
            }
            if (to != null) {
                req.addQueryParam("to", to);
            }
            return req.send();
        }).onFailure(f -> !(f instanceof MedhookException)).transform(f -> {
            LOG.warnf("usage: workflow-service unreachable (%s)", f.getClass().getSimpleName());
            return new MedhookException(ErrorKind.BAD_GATEWAY, "workflow-service did not answer");
        }).map(resp -> {
            if (resp.statusCode() == 422) {
                throw MedhookException.validation("The request is not valid", Map.of("errors", java.util.List.of(
                        Map.of("field", "period", "message", "period is day or month; from and to are dates "
                                + "(YYYY-MM-DD), from not after to, at most 400 days or 36 months"))));
            }
            if (resp.statusCode() != 200) {
                LOG.warnf("usage: workflow-service answered %d", resp.statusCode());
                throw new MedhookException(ErrorKind.BAD_GATEWAY, "workflow-service refused the usage query");
            }
            try {
                return STRICT.readValue(resp.bodyAsBuffer().getBytes(), UsageReport.WorkflowUsage.class);
            } catch (IOException e) {
                LOG.warn("usage: workflow-service sent a report this version does not understand");
                throw new MedhookException(ErrorKind.BAD_GATEWAY, "workflow-service sent an unexpected report");
            }
        });
    }

    @PreDestroy
    void close() {
        client.close();
    }
}

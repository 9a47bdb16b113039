package io.medhook.auth.session;

import io.medhook.common.security.RevocationCheck;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/** auth-service reads the live revocations from its own table every second (every replica, same source of truth). */
@ApplicationScoped
public class LocalRevocations implements RevocationCheck {

    private static final Logger LOG = Logger.getLogger(LocalRevocations.class);
    private static final long INTERVAL_MS = 1000;

    private final Pool pool;
    private final Vertx vertx;
    private final Map<String, Long> revoked = new ConcurrentHashMap<>();
    private long timer = -1;

    public LocalRevocations(Pool pool, Vertx vertx) {
        this.pool = pool;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent ev) {
        reload();
        timer = vertx.setPeriodic(INTERVAL_MS, id -> reload());
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    @Override
    public boolean isSessionRevoked(String sessionId) {
        return sessionId != null && revoked.containsKey(sessionId);
    }

    private void reload() {
        pool.query("select session_id::text as sid, expires_at from revocation where expires_at > now()").execute()
                .subscribe().with(rows -> {
                    long now = System.currentTimeMillis();
                    for (Row r : rows) {
                        revoked.put(r.getString("sid"), r.getOffsetDateTime("expires_at").toInstant().toEpochMilli());
                    }
                    revoked.values().removeIf(exp -> exp < now);
                }, f -> LOG.warnf("could not read revocations: %s", f.getClass().getSimpleName()));
    }
}

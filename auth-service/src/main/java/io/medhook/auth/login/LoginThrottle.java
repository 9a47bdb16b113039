package io.medhook.auth.login;

import io.medhook.auth.AuthConfig;
import io.medhook.auth.apikey.ApiKeyTokens;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Sliding-window throttle of failed logins, per account and per source address, checked before the password is
 * hashed (so a flood costs no Argon2 work). Failures are rows in PostgreSQL ({@code login_failure}), so every replica
 * counts the same failures: N replicas do not give an attacker N times the budget. Keys are stored as SHA-256 of the
 * account or address, times are the database's clock (the same for all replicas). A throttled attempt records nothing,
 * so the table holds at most the budget per key and window; older rows are deleted every few minutes.
 */
@ApplicationScoped
public class LoginThrottle {

    private static final Logger LOG = Logger.getLogger(LoginThrottle.class);
    private static final long PRUNE_EVERY_MS = 5 * 60_000L;

    private final AuthConfig.Throttle config;
    private final Pool pool;
    private final Vertx vertx;
    private long timer = -1;

    public LoginThrottle(AuthConfig config, Pool pool, Vertx vertx) {
        this.config = config.throttle();
        this.pool = pool;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent ev) {
        timer = vertx.setPeriodic(PRUNE_EVERY_MS, id -> prune().subscribe().with(
                n -> LOG.debugf("login throttle: removed %d expired failures", n),
                f -> LOG.warnf("login throttle: pruning failed: %s", f.getClass().getSimpleName())));
    }

    @PreDestroy
    void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Fails with 429 (and Retry-After seconds in the problem) when the account or the address is over budget. */
    public Uni<Void> check(String username, String address) {
        String account = accountKey(username);
        String source = addressKey(address);
        return pool.preparedQuery("""
                select key_hash, count(*) as n,
                       extract(epoch from min(at) + make_interval(secs => $3) - now()) as wait
                from login_failure
                where key_hash in ($1, $2) and at > now() - make_interval(secs => $3)
                group by key_hash""")
                .execute(Tuple.of(account, source, (double) config.window().toSeconds()))
                .map(rows -> {
                    double wait = 0;
                    for (Row r : rows) {
                        boolean isAccount = account.equals(r.getString("key_hash"));
                        int max = isAccount ? config.maxFailuresPerAccount() : config.maxFailuresPerAddress();
                        if (r.getLong("n") >= max) {
                            wait = Math.max(wait, r.getDouble("wait"));
                        }
                    }
                    return wait;
                })
                .invoke(wait -> {
                    if (wait > 0) {
                        long seconds = Math.max(1, (long) Math.ceil(wait));
                        throw new MedhookException(ErrorKind.TOO_MANY_REQUESTS,
                                "Too many failed logins; try again in " + seconds + " seconds",
                                Map.of("retryAfter", seconds));
                    }
                })
                .replaceWithVoid();
    }

    /** Records a failed login against the account and the address. */
    public Uni<Void> failed(String username, String address) {
        return pool.preparedQuery("insert into login_failure (key_hash) values ($1), ($2)")
                .execute(Tuple.of(accountKey(username), addressKey(address))).replaceWithVoid();
    }

    /** A successful login clears the account's failures (not the address's). */
    public Uni<Void> succeeded(String username) {
        return pool.preparedQuery("delete from login_failure where key_hash = $1")
                .execute(Tuple.of(accountKey(username))).replaceWithVoid();
    }

    /** Deletes failures older than the window; returns how many. */
    Uni<Integer> prune() {
        return pool.preparedQuery("delete from login_failure where at <= now() - make_interval(secs => $1)")
                .execute(Tuple.of((double) config.window().toSeconds())).map(rows -> rows.rowCount());
    }

    private static String accountKey(String username) {
        return hash("u:" + (username == null ? "" : username.toLowerCase(Locale.ROOT)));
    }

    private static String addressKey(String address) {
        return hash("a:" + (address == null ? "unknown" : address));
    }

    private static String hash(String key) {
        return HexFormat.of().formatHex(ApiKeyTokens.sha256(key));
    }
}

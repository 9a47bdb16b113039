package io.medhook.auth.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.auth.AuthConfig;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.medhook.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The login throttle counts failures in PostgreSQL: two throttles on the same database (two replicas) share one
 * budget, keys are case-insensitive per account, a success clears the account, and the table holds hashes only.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class LoginThrottleTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    Pool pool;

    @Inject
    Vertx vertx;

    /** A throttle as another replica would have it: its own instance, the same database. */
    private LoginThrottle replica(int perAccount, int perAddress) {
        AuthConfig.Throttle t = new AuthConfig.Throttle() {
            public int maxFailuresPerAccount() {
                return perAccount;
            }

            public int maxFailuresPerAddress() {
                return perAddress;
            }

            public Duration window() {
                return Duration.ofMinutes(15);
            }
        };
        AuthConfig cfg = (AuthConfig) Proxy.newProxyInstance(AuthConfig.class.getClassLoader(),
                new Class<?>[] {AuthConfig.class}, (p, m, a) -> m.getName().equals("throttle") ? t : null);
        return new LoginThrottle(cfg, pool, vertx);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static MedhookException refusal(Uni<Void> check) {
        Throwable t = check.onItem().transform(x -> (Throwable) null).onFailure().recoverWithItem(f -> f)
                .await().atMost(WAIT);
        return t == null ? null : assertInstanceOf(MedhookException.class, t);
    }

    @Test
    void failuresSeenByOneReplicaCountOnAnother() {
        LoginThrottle a = replica(3, 100);
        LoginThrottle b = replica(3, 100);
        String user = unique("shared");
        a.failed(user, unique("10.1")).await().atMost(WAIT);
        b.failed(user, unique("10.2")).await().atMost(WAIT);
        assertEquals(null, refusal(a.check(user, unique("10.3"))), "two failures: still allowed");
        a.failed(user, unique("10.4")).await().atMost(WAIT);
        MedhookException onB = refusal(b.check(user, unique("10.5")));
        assertEquals(ErrorKind.TOO_MANY_REQUESTS, onB.kind(), "the third failure, made on a, throttles b");
        long retryAfter = (Long) onB.extensions().get("retryAfter");
        assertTrue(retryAfter > 14 * 60 && retryAfter <= 15 * 60, "Retry-After " + retryAfter + " s");
    }

    @Test
    void anAddressSprayingManyAccountsIsThrottled() {
        LoginThrottle th = replica(5, 3);
        String address = unique("10.0.0");
        for (int i = 0; i < 3; i++) {
            th.failed(unique("user"), address).await().atMost(WAIT);
        }
        assertEquals(ErrorKind.TOO_MANY_REQUESTS, refusal(th.check(unique("someone-else"), address)).kind());
        assertEquals(null, refusal(th.check(unique("someone-else"), unique("10.0.1"))));
    }

    @Test
    void successClearsTheAccountCounterAndAccountsAreCaseInsensitive() {
        LoginThrottle th = replica(2, 100);
        String name = unique("Alice");
        th.failed(name, "a").await().atMost(WAIT);
        th.succeeded(name.toLowerCase()).await().atMost(WAIT);
        th.failed(name.toUpperCase(), "b").await().atMost(WAIT);
        assertEquals(null, refusal(th.check(name.toLowerCase(), "c")));
        th.failed(name.toLowerCase(), "d").await().atMost(WAIT);
        assertEquals(ErrorKind.TOO_MANY_REQUESTS, refusal(th.check(name, "e")).kind());
    }

    @Test
    void theTableHoldsHashesNotNamesOrAddresses() throws Exception {
        String name = unique("carol");
        String address = unique("192.0.2");
        replica(5, 20).failed(name, address).await().atMost(WAIT);
        try (Connection c = PostgresTestResource.jdbc(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select key_hash from login_failure")) {
            int rows = 0;
            while (rs.next()) {
                rows++;
                String key = rs.getString(1);
                assertTrue(key.matches("[0-9a-f]{64}"), key);
                assertFalse(key.contains(name) || key.contains(address));
            }
            assertTrue(rows >= 2);
        }
    }

    @Test
    void pruningRemovesOnlyFailuresOlderThanTheWindow() throws Exception {
        LoginThrottle th = replica(5, 20);
        String user = unique("dave");
        th.failed(user, unique("198.51.100")).await().atMost(WAIT);
        try (Connection c = PostgresTestResource.jdbc(); Statement st = c.createStatement()) {
            st.execute("insert into login_failure (key_hash, at)"
                    + " values (repeat('a', 64), now() - interval '16 minutes')");
        }
        assertTrue(th.prune().await().atMost(WAIT) >= 1);
        try (Connection c = PostgresTestResource.jdbc(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select count(*) filter (where key_hash = repeat('a', 64)),"
                        + " count(*) from login_failure")) {
            rs.next();
            assertEquals(0, rs.getLong(1), "the expired failure is gone");
            assertTrue(rs.getLong(2) >= 2, "current failures stay");
        }
    }
}

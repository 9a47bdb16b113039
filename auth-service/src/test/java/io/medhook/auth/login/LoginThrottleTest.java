package io.medhook.auth.login;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medhook.auth.AuthConfig;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

    private static LoginThrottle throttle(int perAccount, int perAddress) {
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
        AuthConfig config = (AuthConfig) Proxy.newProxyInstance(AuthConfig.class.getClassLoader(),
                new Class<?>[] {AuthConfig.class}, (p, m, a) -> m.getName().equals("throttle") ? t : null);
        return new LoginThrottle(config);
    }

    @Test
    void anAddressSprayingManyAccountsIsThrottled() {
        LoginThrottle th = throttle(5, 3);
        for (int i = 0; i < 3; i++) {
            th.failed("user" + i, "10.0.0.9");
        }
        MedhookException e = assertThrows(MedhookException.class, () -> th.check("someone-else", "10.0.0.9"));
        assertEquals(ErrorKind.TOO_MANY_REQUESTS, e.kind());
        assertDoesNotThrow(() -> th.check("someone-else", "10.0.0.10"));
    }

    @Test
    void successClearsTheAccountCounterAndAccountsAreCaseInsensitive() {
        LoginThrottle th = throttle(2, 100);
        th.failed("Alice", "a");
        th.succeeded("alice");
        th.failed("ALICE", "b");
        assertDoesNotThrow(() -> th.check("alice", "c"));
        th.failed("alice", "d");
        assertThrows(MedhookException.class, () -> th.check("alice", "e"));
    }
}

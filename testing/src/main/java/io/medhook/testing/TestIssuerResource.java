package io.medhook.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Points the application's token verification (and service-token client) at a {@link TestIssuer}. */
public class TestIssuerResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        try {
            String url = TestIssuer.start();
            return Map.of("medhook.security.auth-url", url, "medhook.security.issuer", TestIssuer.ISSUER);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        // the JDK server dies with the test JVM
    }
}

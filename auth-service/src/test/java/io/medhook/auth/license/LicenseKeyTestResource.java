package io.medhook.auth.license;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Trusts a license-signing key made for this test run (see {@link TestLicenses}). */
public class LicenseKeyTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        try {
            return Map.of("medhook.auth.license.development-public-keys", TestLicenses.newTrustedKey());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
    }
}

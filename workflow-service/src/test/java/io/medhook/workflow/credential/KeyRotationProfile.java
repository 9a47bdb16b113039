package io.medhook.workflow.credential;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;
import java.util.Set;

/** Runs the application with {@link KeyVersionsDouble} as its key-encryption key, and small re-wrap batches. */
public class KeyRotationProfile implements QuarkusTestProfile {

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(KeyVersionsDouble.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("medhook.workflow.credentials.rewrap-batch-size", "3");
    }
}

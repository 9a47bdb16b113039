package io.medhook.workflow.delivery;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * The service's own delivery dispatcher is off: the test runs dispatchers of its own, each with a clock it moves
 * ({@link MovableClock}), so retries hours apart happen in milliseconds and two "replicas" can share the queue.
 */
public class DispatcherOffProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("medhook.workflow.delivery.enabled", "false");
    }
}

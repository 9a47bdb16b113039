package io.medhook.workflow.execution;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** No engine on this replica: executions stay queued, so queued-state behaviour can be observed without races. */
public class EngineDisabledProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("medhook.workflow.engine.enabled", "false");
    }
}

package io.medhook.workflow.delivery;

import java.util.List;

public record WebhookEndpointList(List<WebhookEndpointView> items) {
}

package io.medhook.workflow.delivery;

import java.util.List;

public record DeliveryList(List<DeliveryView> items) {
}

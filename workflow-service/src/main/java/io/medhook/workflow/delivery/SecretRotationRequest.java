package io.medhook.workflow.delivery;

/** Rotates an endpoint's signing secret; the old one keeps signing for {@code overlapSeconds} (default: configured). */
public record SecretRotationRequest(Long overlapSeconds) {
}

package io.medhook.workflow.delivery;

import io.medhook.workflow.credential.KeyRotationProfile;

/**
 * {@link KeyRotationProfile} again, as a profile of its own: the versioned KEK double starts at version 1 for this
 * class, and the rotation done here cannot shift the versions {@code CredentialKeyRotationTest} expects, whatever the
 * order the classes run in.
 */
public class EndpointKeyRotationProfile extends KeyRotationProfile {
}

package io.medhook.common.secrets;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "medhook.secrets")
public interface SecretsConfig {

    /** Directory of the local secrets implementation (dev/test only): the key-encryption key file and named secrets. */
    @WithDefault("${user.home}/.medhook/secrets")
    String localDir();
}

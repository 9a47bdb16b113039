package io.medhook.sandbox.runtime;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.lang.module.ResolvedModule;
import java.net.URI;

/**
 * What the JVM was launched with, as far as the GraalJS runtime is concerned. The launch flags are the switch between
 * the runtimes: JVMCI enabled, or the Graal compiler on the upgrade module path, means the optimizing runtime was
 * asked for. Nothing else in this service needs JVMCI.
 *
 * @param jvmciEnabled whether {@code -XX:+EnableJVMCI} is in effect
 * @param compilerLocation where the boot layer's {@code jdk.graal.compiler} module comes from: a jar or directory for
 *     the Maven compiler on {@code --upgrade-module-path}, {@code jrt:/…} for the JDK's own (a placeholder on
 *     Temurin), null when the module is not in the boot layer
 * @param javaVersion the running JDK, e.g. {@code 25.0.3+9-LTS}
 */
public record LaunchFlags(boolean jvmciEnabled, String compilerLocation, String javaVersion) {

    static final String COMPILER_MODULE = "jdk.graal.compiler";

    /** Reads this JVM's flags and module layer. */
    public static LaunchFlags ofThisJvm() {
        return new LaunchFlags(vmOption("EnableJVMCI"), compilerModuleLocation(), Runtime.version().toString());
    }

    /** Whether the Graal compiler module comes from outside the JDK image, i.e. from the upgrade module path. */
    public boolean compilerOnUpgradePath() {
        return compilerLocation != null && !compilerLocation.startsWith("jrt:");
    }

    /** The optimizing runtime when the launch asked for it in any way, the interpreter otherwise. */
    public RuntimeMode requested() {
        return jvmciEnabled || compilerOnUpgradePath() ? RuntimeMode.OPTIMIZED : RuntimeMode.INTERPRETER;
    }

    private static boolean vmOption(String name) {
        try {
            return Boolean.parseBoolean(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .getVMOption(name).getValue());
        } catch (RuntimeException e) {
            return false; // not a HotSpot VM, or a JDK without this flag
        }
    }

    private static String compilerModuleLocation() {
        return ModuleLayer.boot().configuration().findModule(COMPILER_MODULE)
                .map(ResolvedModule::reference)
                .flatMap(ref -> ref.location())
                .map(URI::toString)
                .orElse(null);
    }
}

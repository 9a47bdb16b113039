package io.medhook.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The chart in this module's directory, linted and rendered by real Helm (helm-java's native Helm v3.21.0) for a value
 * set of {@code src/test/resources/values/}, and every rendered document turned into its typed Kubernetes object.
 */
public final class RenderedChart {

    /** The value sets every test runs over: the chart's defaults and the files in src/test/resources/values. */
    public static final List<String> VALUE_SETS = List.of("default", "minimal", "production", "high-availability");
    public static final String RELEASE = "medhook";
    public static final String NAMESPACE = "medhook";
    public static final List<String> SERVICES = List.of("auth-service", "workflow-service", "sandbox-service",
            "audit-service");

    private static final Map<String, RenderedChart> CACHE = new ConcurrentHashMap<>();
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    public final String valueSet;
    public final String yaml;
    public final List<Map<String, Object>> documents;
    public final List<HasMetadata> objects;

    private RenderedChart(String valueSet, String yaml) {
        this.valueSet = valueSet;
        this.yaml = yaml;
        this.documents = parseAll(yaml);
        this.objects = new ArrayList<>();
        for (Map<String, Object> doc : documents) {
            objects.add(KubernetesSchema.toTyped(doc));
        }
    }

    public static Path chartDir() {
        return Path.of(System.getProperty("medhook.chart.dir", ".")).toAbsolutePath().normalize();
    }

    public static Path valuesFile(String valueSet) {
        return chartDir().resolve("src/test/resources/values/" + valueSet + ".yaml");
    }

    /** The chart rendered with one value set (cached: rendering is deterministic). */
    public static RenderedChart of(String valueSet) {
        return CACHE.computeIfAbsent(valueSet, s -> new RenderedChart(s, template(s, null)));
    }

    /**
     * Renders with a value set plus extra values (YAML text); throws when Helm refuses (schema, required, ...).
     * helm-java's template leaves hooks out, so the {@code helm test} pod is rendered from a copy of the chart whose
     * test templates lack their hook annotations (HookTest checks that the real templates carry them) and appended.
     */
    public static String template(String valueSet, String extraValuesYaml) {
        String release = template(chartDir(), valueSet, extraValuesYaml);
        String tests = template(chartWithTestsAsManifests(), valueSet, extraValuesYaml);
        StringBuilder out = new StringBuilder(release);
        for (String doc : tests.split("\n---\n")) {
            if (doc.contains("# Source: medhook/templates/tests/")) {
                out.append("\n---\n").append(doc);
            }
        }
        return out.toString();
    }

    private static volatile Path testsAsManifests;

    private static synchronized Path chartWithTestsAsManifests() {
        if (testsAsManifests == null) {
            try {
                Path copy = copyChart();
                try (Stream<Path> files = Files.list(copy.resolve("templates/tests"))) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Files.writeString(f, Files.readString(f).replaceAll("(?m)^\\s*helm\\.sh/hook[^\\n]*\\n", ""));
                    }
                }
                testsAsManifests = copy;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return testsAsManifests;
    }

    private static String template(Path chart, String valueSet, String extraValuesYaml) {
        var cmd = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE);
        if (!valueSet.equals("default")) {
            cmd = cmd.withValuesFile(valuesFile(valueSet));
        }
        if (extraValuesYaml != null) {
            try {
                Path extra = Files.createTempFile("medhook-values", ".yaml");
                Files.writeString(extra, extraValuesYaml);
                cmd = cmd.withValuesFile(extra);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return cmd.call();
    }

    public static RenderedChart withExtraValues(String valueSet, String extraValuesYaml) {
        return new RenderedChart(valueSet + "+extra", template(valueSet, extraValuesYaml));
    }

    /**
     * {@code helm lint --strict} of the chart with the value set. helm-java's lint takes no values file, so the chart
     * is copied and its values.yaml replaced by the defaults merged with the set (Helm's rules: maps merge, a null
     * removes the key).
     */
    @SuppressWarnings("unchecked")
    public static LintResult lint(String valueSet) throws IOException {
        if (valueSet.equals("default")) {
            return new Helm(chartDir()).lint().strict().call();
        }
        Path copy = copyChart();
        Yaml yaml = yaml();
        Map<String, Object> defaults = (Map<String, Object>) yaml.load(Files.readString(chartDir().resolve("values.yaml")));
        Map<String, Object> set = (Map<String, Object>) yaml.load(Files.readString(valuesFile(valueSet)));
        DumperOptions opts = new DumperOptions();
        opts.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        Files.writeString(copy.resolve("values.yaml"), new Yaml(opts).dump(merge(defaults, set)), 
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        return new Helm(copy).lint().strict().call();
    }

    /** A copy of the chart (Chart.yaml, values, schema, templates) in a fresh temporary directory. */
    static Path copyChart() throws IOException {
        Path copy = Files.createTempDirectory("medhook-chart-").resolve("medhook");
        copyTree(chartDir().resolve("templates"), copy.resolve("templates"));
        for (String f : List.of("Chart.yaml", "values.yaml", "values.schema.json", ".helmignore")) {
            Files.copy(chartDir().resolve(f), copy.resolve(f));
        }
        return copy;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> over) {
        Map<String, Object> out = new LinkedHashMap<>(base);
        for (var e : over.entrySet()) {
            Object b = out.get(e.getKey());
            if (e.getValue() == null) {
                out.remove(e.getKey());
            } else if (b instanceof Map && e.getValue() instanceof Map) {
                out.put(e.getKey(), merge((Map<String, Object>) b, (Map<String, Object>) e.getValue()));
            } else {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> parseAll(String yamlText) {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object o : yaml().loadAll(yamlText)) {
            if (o != null) {
                docs.add((Map<String, Object>) o);
            }
        }
        return docs;
    }

    public <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    public <T extends HasMetadata> T named(Class<T> type, String name) {
        return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(valueSet + ": no " + type.getSimpleName() + " " + name));
    }

    public Deployment deployment(String service) {
        return named(Deployment.class, RELEASE + "-" + service);
    }

    public ConfigMap configMap(String service) {
        return named(ConfigMap.class, RELEASE + "-" + service);
    }

    /** Every pod the chart can create: the Deployments' templates and the helm test pod, by name. */
    public Map<String, PodSpec> podSpecs() {
        Map<String, PodSpec> pods = new LinkedHashMap<>();
        for (Deployment d : all(Deployment.class)) {
            pods.put("Deployment/" + d.getMetadata().getName(), d.getSpec().getTemplate().getSpec());
        }
        for (Pod p : all(Pod.class)) {
            pods.put("Pod/" + p.getMetadata().getName(), p.getSpec());
        }
        return pods;
    }

    /** Pod labels of a Deployment's template or a Pod, by the same names as {@link #podSpecs()}. */
    public Map<String, Map<String, String>> podLabels() {
        Map<String, Map<String, String>> labels = new LinkedHashMap<>();
        for (Deployment d : all(Deployment.class)) {
            labels.put("Deployment/" + d.getMetadata().getName(), d.getSpec().getTemplate().getMetadata().getLabels());
        }
        for (Pod p : all(Pod.class)) {
            labels.put("Pod/" + p.getMetadata().getName(), p.getMetadata().getLabels());
        }
        return labels;
    }

    /** The application.properties of a service's ConfigMap as key/value pairs. */
    public Map<String, String> properties(String service) {
        Map<String, String> props = new LinkedHashMap<>();
        for (String line : configMap(service).getData().get("application.properties").split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            props.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return props;
    }
}

package io.medhook.helm;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Offline validation of a rendered object against the Kubernetes API types (fabric8 kubernetes-model 7.6.1, generated
 * from the Kubernetes OpenAPI schemas): strict unmarshalling catches wrong types and unknown kinds; a walk over every
 * model object's {@code additionalProperties} catches fields the schema does not have (fabric8 keeps them instead of
 * failing).
 */
public final class KubernetesSchema {

    private KubernetesSchema() {
    }

    /** The typed object of one rendered document; throws when its kind is unknown or a value has the wrong type. */
    public static HasMetadata toTyped(Map<String, Object> document) {
        String json = RenderedChart.SERIALIZATION.asJson(document);
        Object typed;
        try {
            typed = RenderedChart.SERIALIZATION.unmarshal(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(describe(document) + " does not match the Kubernetes schema: "
                    + e.getMessage(), e);
        }
        if (!(typed instanceof HasMetadata h) || typed.getClass().getName().contains("GenericKubernetesResource")) {
            throw new IllegalArgumentException(describe(document) + " is not a known Kubernetes kind");
        }
        return h;
    }

    /** Paths of every field the Kubernetes schema does not know, e.g. {@code spec.template.spec.containers[0].foo}. */
    public static List<String> unknownFields(Object object) {
        List<String> found = new ArrayList<>();
        walk(object, "", found, new IdentityHashMap<>());
        return found;
    }

    @SuppressWarnings("unchecked")
    private static void walk(Object o, String path, List<String> found, IdentityHashMap<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object item : c) {
                walk(item, path + "[" + i++ + "]", found, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) {
                walk(e.getValue(), path + "[" + e.getKey() + "]", found, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    for (Object k : extra.keySet()) {
                        found.add((path.isEmpty() ? "" : path + ".") + k);
                    }
                }
                continue;
            }
            walk(value, path.isEmpty() ? field : path + "." + field, found, seen);
        }
    }

    static String describe(Map<String, Object> document) {
        Object meta = document.get("metadata");
        Object name = meta instanceof Map<?, ?> m ? m.get("name") : null;
        return document.get("kind") + "/" + name;
    }
}

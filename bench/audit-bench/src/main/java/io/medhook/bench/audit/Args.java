package io.medhook.bench.audit;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code --name=value} command-line arguments. */
final class Args {

    private Args() {
    }

    static Map<String, String> parse(String[] argv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String a : argv) {
            if (!a.startsWith("--") || a.indexOf('=') < 3) {
                throw new IllegalArgumentException("expected --name=value, got " + a);
            }
            int eq = a.indexOf('=');
            m.put(a.substring(2, eq), a.substring(eq + 1));
        }
        return m;
    }

    static String required(Map<String, String> m, String name) {
        String v = m.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("--" + name + "= is required");
        }
        return v;
    }
}

package io.medhook.testing.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One KV version 2 secrets engine mount of the {@link VaultDouble}, following Vault 1.18's KV v2 API:
 * {@code <mount>/data/<path>} (read latest or {@code ?version=N}, write with optional {@code options.cas}, soft
 * delete), {@code <mount>/metadata/<path>} (read, list, write settings, delete all versions).
 */
public final class VaultKv {

    private record Version(ObjectNode data, Instant created, Instant deleted) {
    }

    private static final class Secret {
        final TreeMap<Integer, Version> versions = new TreeMap<>();
        final Instant created = Instant.now();
        Instant updated = created;
        int maxVersions;
        boolean casRequired;
        ObjectNode customMetadata;

        int current() {
            return versions.isEmpty() ? 0 : versions.lastKey();
        }
    }

    private final String mount;
    private final Map<String, Secret> secrets = new ConcurrentHashMap<>();

    VaultKv(String mount) {
        this.mount = mount;
    }

    void register(VaultDouble vault) {
        vault.builtin("GET", mount + "/data/{path*}", this::read);
        vault.builtin("POST", mount + "/data/{path*}", this::write);
        vault.builtin("DELETE", mount + "/data/{path*}", this::softDelete);
        vault.builtin("GET", mount + "/metadata/{path*}", this::metadata);
        vault.builtin("LIST", mount + "/metadata/{path*}", r -> list(r.param("path")));
        vault.builtin("LIST", mount + "/metadata", r -> list(""));
        vault.builtin("POST", mount + "/metadata/{path*}", this::writeMetadata);
        vault.builtin("DELETE", mount + "/metadata/{path*}", r -> {
            secrets.remove(r.param("path"));
            return VaultResponse.noContent();
        });
        vault.builtin("GET", mount + "/config", r -> {
            ObjectNode d = VaultResponse.object();
            d.put("cas_required", false);
            d.put("delete_version_after", "0s");
            d.put("max_versions", 0);
            return VaultResponse.data(d);
        });
    }

    /** Writes a new version of a secret (as {@code POST <mount>/data/<path>} does); returns the version. */
    public int put(String path, Map<String, String> values) {
        ObjectNode d = VaultResponse.object();
        values.forEach(d::put);
        return store(path, d, null);
    }

    /** The latest live version's values of a secret, if any (for tests that need what a bootstrap wrote). */
    public java.util.Optional<Map<String, String>> get(String path) {
        Secret s = secrets.get(path);
        if (s == null) {
            return java.util.Optional.empty();
        }
        synchronized (s) {
            Version v = s.versions.get(s.current());
            if (v == null || v.deleted() != null) {
                return java.util.Optional.empty();
            }
            Map<String, String> out = new java.util.LinkedHashMap<>();
            v.data().fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
            return java.util.Optional.of(out);
        }
    }

    private VaultResponse read(VaultRequest r) {
        Secret s = secrets.get(r.param("path"));
        if (s == null) {
            throw VaultError.notFound();
        }
        synchronized (s) {
            int v = s.current();
            String q = r.query().get("version");
            if (q != null && !q.isEmpty() && !"0".equals(q)) {
                try {
                    v = Integer.parseInt(q);
                } catch (NumberFormatException e) {
                    throw new VaultError(400, "error converting input " + q + " for field \"version\"");
                }
            }
            Version ver = s.versions.get(v);
            if (ver == null) {
                throw VaultError.notFound();
            }
            ObjectNode d = VaultResponse.object();
            d.set("metadata", versionMetadata(s, v, ver));
            if (ver.deleted() != null) {
                // Vault answers 404 for a deleted version, with the metadata and data null
                d.putNull("data");
                return new VaultResponse(404, VaultResponse.envelope(d, null, "", false, 0));
            }
            d.set("data", ver.data().deepCopy());
            ObjectNode out = VaultResponse.object();
            out.set("data", d.get("data"));
            out.set("metadata", d.get("metadata"));
            return VaultResponse.data(out);
        }
    }

    private VaultResponse write(VaultRequest r) {
        JsonNode data = r.body().get("data");
        if (data == null || data.isNull()) {
            throw new VaultError(400, "no data provided");
        }
        if (!data.isObject()) {
            throw new VaultError(400, "error parsing data: expected a map");
        }
        JsonNode options = r.body().get("options");
        Integer cas = options != null && options.hasNonNull("cas") ? options.get("cas").asInt() : null;
        int v = store(r.param("path"), (ObjectNode) data, cas);
        Secret s = secrets.get(r.param("path"));
        synchronized (s) {
            return VaultResponse.data(versionMetadata(s, v, s.versions.get(v)));
        }
    }

    private int store(String path, ObjectNode data, Integer cas) {
        Secret s = secrets.computeIfAbsent(path, p -> new Secret());
        synchronized (s) {
            if (s.casRequired && cas == null) {
                throw new VaultError(400, "check-and-set parameter required for this call");
            }
            if (cas != null && cas != s.current()) {
                throw new VaultError(400, "check-and-set parameter did not match the current version");
            }
            int next = s.current() + 1;
            s.versions.put(next, new Version(data.deepCopy(), Instant.now(), null));
            s.updated = Instant.now();
            int max = s.maxVersions == 0 ? 10 : s.maxVersions;
            while (s.versions.size() > max) {
                s.versions.pollFirstEntry();
            }
            return next;
        }
    }

    private VaultResponse softDelete(VaultRequest r) {
        Secret s = secrets.get(r.param("path"));
        if (s != null) {
            synchronized (s) {
                int v = s.current();
                Version ver = s.versions.get(v);
                if (ver != null && ver.deleted() == null) {
                    s.versions.put(v, new Version(ver.data(), ver.created(), Instant.now()));
                }
            }
        }
        return VaultResponse.noContent();
    }

    private VaultResponse metadata(VaultRequest r) {
        Secret s = secrets.get(r.param("path"));
        if (s == null) {
            throw VaultError.notFound();
        }
        synchronized (s) {
            ObjectNode d = VaultResponse.object();
            d.put("cas_required", s.casRequired);
            d.put("created_time", time(s.created));
            d.put("current_version", s.current());
            if (s.customMetadata == null) {
                d.putNull("custom_metadata");
            } else {
                d.set("custom_metadata", s.customMetadata.deepCopy());
            }
            d.put("delete_version_after", "0s");
            d.put("max_versions", s.maxVersions);
            d.put("oldest_version", s.versions.isEmpty() ? 0 : s.versions.firstKey());
            d.put("updated_time", time(s.updated));
            ObjectNode versions = d.putObject("versions");
            s.versions.forEach((v, ver) -> {
                ObjectNode o = versions.putObject(v.toString());
                o.put("created_time", time(ver.created()));
                o.put("deletion_time", ver.deleted() == null ? "" : time(ver.deleted()));
                o.put("destroyed", false);
            });
            return VaultResponse.data(d);
        }
    }

    private VaultResponse writeMetadata(VaultRequest r) {
        Secret s = secrets.computeIfAbsent(r.param("path"), p -> new Secret());
        synchronized (s) {
            s.maxVersions = r.integer("max_versions", s.maxVersions);
            s.casRequired = r.bool("cas_required", s.casRequired);
            JsonNode cm = r.body().get("custom_metadata");
            if (cm != null && cm.isObject()) {
                s.customMetadata = (ObjectNode) cm.deepCopy();
            }
        }
        return VaultResponse.noContent();
    }

    private VaultResponse list(String prefix) {
        String p = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
        TreeSet<String> keys = new TreeSet<>();
        for (String path : secrets.keySet()) {
            if (path.startsWith(p)) {
                String rest = path.substring(p.length());
                int slash = rest.indexOf('/');
                keys.add(slash < 0 ? rest : rest.substring(0, slash + 1));
            }
        }
        if (keys.isEmpty()) {
            throw VaultError.notFound();
        }
        ObjectNode d = VaultResponse.object();
        ArrayNode a = d.putArray("keys");
        keys.forEach(a::add);
        return VaultResponse.data(d);
    }

    private static ObjectNode versionMetadata(Secret s, int v, Version ver) {
        ObjectNode m = VaultResponse.object();
        m.put("created_time", time(ver.created()));
        if (s.customMetadata == null) {
            m.putNull("custom_metadata");
        } else {
            m.set("custom_metadata", s.customMetadata.deepCopy());
        }
        m.put("deletion_time", ver.deleted() == null ? "" : time(ver.deleted()));
        m.put("destroyed", false);
        m.put("version", v);
        return m;
    }

    private static String time(Instant i) {
        return DateTimeFormatter.ISO_INSTANT.format(i);
    }
}

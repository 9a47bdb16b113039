package io.medhook.localpg;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A PostgreSQL server to connect to.
 *
 * @param mode {@code configured} (MEDHOOK_DB_URL), {@code local} (127.0.0.1:5432) or {@code embedded}
 */
public record PgTarget(String host, int port, String user, String password, String mode) {

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    public String reactiveUrl(String database) {
        return "postgresql://" + host + ":" + port + "/" + database;
    }

    /**
     * Parses {@code postgresql://[user[:password]@]host[:port][/db]} (also {@code postgres://} and
     * {@code jdbc:postgresql://host:port/db?user=..&password=..}). The database part is ignored: every service has its
     * own database on the server.
     */
    public static PgTarget parse(String url, String userOverride, String passwordOverride) {
        String u = url.trim();
        if (u.startsWith("jdbc:")) {
            u = u.substring(5);
        }
        if (u.startsWith("postgres://")) {
            u = "postgresql://" + u.substring("postgres://".length());
        }
        if (!u.startsWith("postgresql://")) {
            throw new IllegalArgumentException("MEDHOOK_DB_URL must look like postgresql://user:password@host:port");
        }
        URI uri = URI.create(u);
        String user = "postgres";
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] up = uri.getRawUserInfo().split(":", 2);
            user = decode(up[0]);
            password = up.length > 1 ? decode(up[1]) : null;
        }
        Map<String, String> query = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String kv : uri.getRawQuery().split("&")) {
                String[] p = kv.split("=", 2);
                query.put(decode(p[0]), p.length > 1 ? decode(p[1]) : "");
            }
        }
        user = query.getOrDefault("user", user);
        password = query.getOrDefault("password", password);
        if (userOverride != null && !userOverride.isBlank()) {
            user = userOverride;
        }
        if (passwordOverride != null && !passwordOverride.isEmpty()) {
            password = passwordOverride;
        }
        String host = uri.getHost() == null ? "127.0.0.1" : uri.getHost();
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        return new PgTarget(host, port, user, password, "configured");
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        // never print the password
        return mode + " PostgreSQL at " + host + ":" + port + " as " + user;
    }
}

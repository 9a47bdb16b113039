package io.medhook.auth.oidc;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A browser stand-in over java.net.http: a cookie jar per host and port, redirects returned to the test rather than
 * followed. The jar sends Secure cookies over http://127.0.0.1, as browsers do for loopback origins (the JDK's
 * CookieManager would not), and keeps every Set-Cookie header so tests can check the attributes.
 */
final class Browser {

    private static final Pattern FORM = Pattern.compile("<form[^>]*\\bid=\"kc-form-login\"[^>]*>", Pattern.DOTALL);
    private static final Pattern ACTION = Pattern.compile("\\baction=\"([^\"]+)\"");

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final Map<String, Map<String, String>> jar = new LinkedHashMap<>();
    final List<String> setCookies = new ArrayList<>();

    HttpResponse<String> get(String url, String accept) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
        if (accept != null) {
            b.header("Accept", accept);
        }
        return send(b, URI.create(url));
    }

    HttpResponse<String> postForm(String url, Map<String, String> fields) throws IOException, InterruptedException {
        StringBuilder body = new StringBuilder();
        fields.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(enc(k)).append('=').append(enc(v)));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        return send(b, URI.create(url));
    }

    private HttpResponse<String> send(HttpRequest.Builder b, URI uri) throws IOException, InterruptedException {
        Map<String, String> cookies = jar.get(origin(uri));
        if (cookies != null && !cookies.isEmpty()) {
            StringBuilder c = new StringBuilder();
            cookies.forEach((k, v) -> c.append(c.isEmpty() ? "" : "; ").append(k).append('=').append(v));
            b.header("Cookie", c.toString());
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        for (String sc : r.headers().allValues("set-cookie")) {
            setCookies.add(sc);
            String pair = sc.split(";", 2)[0];
            int eq = pair.indexOf('=');
            String name = pair.substring(0, eq).trim();
            String value = pair.substring(eq + 1).trim();
            Map<String, String> forOrigin = jar.computeIfAbsent(origin(uri), k -> new LinkedHashMap<>());
            if (value.isEmpty() || sc.toLowerCase().contains("max-age=0")) {
                forOrigin.remove(name);
            } else {
                forOrigin.put(name, value);
            }
        }
        return r;
    }

    String cookie(String url, String name) {
        Map<String, String> c = jar.get(origin(URI.create(url)));
        return c == null ? null : c.get(name);
    }

    void setCookie(String url, String name, String value) {
        jar.computeIfAbsent(origin(URI.create(url)), k -> new LinkedHashMap<>()).put(name, value);
    }

    /** The last Set-Cookie header for {@code name}. */
    String setCookieHeader(String name) {
        String found = null;
        for (String sc : setCookies) {
            if (sc.startsWith(name + "=")) {
                found = sc;
            }
        }
        return found;
    }

    static String location(HttpResponse<?> r) {
        return r.headers().firstValue("location").orElseThrow(() -> new AssertionError("no Location header"));
    }

    /** The action URL of Keycloak's login form ({@code id="kc-form-login"}). */
    static String loginFormAction(String html) {
        Matcher f = FORM.matcher(html);
        if (!f.find()) {
            throw new AssertionError("no Keycloak login form in the page");
        }
        Matcher a = ACTION.matcher(f.group());
        if (!a.find()) {
            throw new AssertionError("the login form has no action");
        }
        return a.group(1).replace("&amp;", "&");
    }

    /** Query parameters of a URL (decoded). */
    static Map<String, String> query(String url) {
        Map<String, String> out = new LinkedHashMap<>();
        String q = URI.create(url).getRawQuery();
        if (q != null) {
            for (String kv : q.split("&")) {
                int eq = kv.indexOf('=');
                out.put(dec(eq < 0 ? kv : kv.substring(0, eq)), eq < 0 ? "" : dec(kv.substring(eq + 1)));
            }
        }
        return out;
    }

    private static String origin(URI u) {
        return u.getHost() + ":" + u.getPort();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String dec(String s) {
        return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}

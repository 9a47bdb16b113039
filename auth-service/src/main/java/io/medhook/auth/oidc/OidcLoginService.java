package io.medhook.auth.oidc;

import io.medhook.auth.login.SessionOpener;
import io.medhook.auth.user.User;
import io.medhook.auth.user.UserAudit;
import io.medhook.auth.user.UserRepository;
import io.medhook.common.Ids;
import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.HibernateAuditOutbox;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.secrets.SecretStore;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * OpenID Connect login (authorization code + PKCE S256): starts the flow at a configured provider and, on its
 * callback, exchanges the code, validates the ID token, links the identity ({@code iss} + {@code sub}) to a user
 * (creating it on first login only when the provider or the verified e-mail domain allows it), opens a session and
 * issues MedHook's access token. Every success, failure and user creation is audited in the same transaction.
 */
@ApplicationScoped
public class OidcLoginService {

    private static final Logger LOG = Logger.getLogger(OidcLoginService.class);
    private static final Pattern PROVIDER_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern SAFE_RETURN = Pattern.compile("/[A-Za-z0-9\\-._~!$&'()*+,;=:@/?%]{0,511}");
    public static final String CALLBACK_PATH = "/api/v1/auth/oidc/%s/callback";
    public static final String LOGIN_PATH = "/api/v1/auth/oidc/%s/login";

    /** Where to send the browser to log in, and the flow cookie to set. */
    public record Started(String authorizationUrl, String flowCookie) {
    }

    /** What the callback parameters say. */
    public record Callback(String code, String state, String error) {
    }

    /** A finished login. */
    public record Completed(String accessToken, long expiresIn, String sessionId, String userId, String returnTo) {
    }

    /** A provider as the login page lists it. */
    public record ProviderView(String id, String name, String loginUrl) {
    }

    private final OidcConfig config;
    private final OidcProviderClient client;
    private final IdTokenValidator validator;
    private final LoginFlowCookie flows;
    private final OidcIdentityRepository identities;
    private final UserRepository users;
    private final SessionOpener opener;
    private final SecretStore secrets;
    private final Vertx vertx;

    public OidcLoginService(OidcConfig config, OidcProviderClient client, IdTokenValidator validator,
            LoginFlowCookie flows, OidcIdentityRepository identities, UserRepository users, SessionOpener opener,
            SecretStore secrets, Vertx vertx) {
        this.config = config;
        this.client = client;
        this.validator = validator;
        this.flows = flows;
        this.identities = identities;
        this.users = users;
        this.opener = opener;
        this.secrets = secrets;
        this.vertx = vertx;
    }

    /** The enabled providers, sorted by id. */
    public List<ProviderView> providers() {
        List<ProviderView> out = new ArrayList<>();
        config.providers().entrySet().stream()
                .filter(e -> e.getValue().enabled() && PROVIDER_ID.matcher(e.getKey()).matches())
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.add(new ProviderView(e.getKey(), e.getValue().displayName().orElse(e.getKey()),
                        LOGIN_PATH.formatted(e.getKey()))));
        return out;
    }

    /** Starts a login at {@code providerId}: 404 for an unknown provider, 502 when its discovery fails. */
    public Uni<Started> start(String providerId, String returnTo, String requestBaseUrl) {
        OidcConfig.Provider p = provider(providerId);
        String after = safeReturnTo(returnTo);
        long ttl = config.flowTimeout().toSeconds();
        // secrets may be a blocking read (file or Vault): fail before the user types a password at the provider
        return vertx.executeBlocking(Uni.createFrom().item(() -> {
            clientSecret(providerId, p);
            flows.warm();
            return Boolean.TRUE;
        }))
                .chain(() -> client.metadata(p.issuer()))
                .map(m -> {
                    if (!m.codeChallengeMethods().isEmpty() && !m.codeChallengeMethods().contains("S256")) {
                        LOG.warnf("provider %s does not support PKCE S256", providerId);
                        throw OidcProviderClient.unavailable();
                    }
                    LoginFlow flow = LoginFlow.start(providerId, after, Instant.now().plusSeconds(ttl));
                    List<String> scopes = new ArrayList<>(List.of("openid"));
                    p.scopes().stream().filter(s -> !s.isBlank() && !"openid".equals(s)).forEach(scopes::add);
                    Map<String, String> q = new LinkedHashMap<>();
                    q.put("response_type", "code");
                    q.put("client_id", p.clientId());
                    q.put("redirect_uri", redirectUri(providerId, requestBaseUrl));
                    q.put("scope", String.join(" ", scopes));
                    q.put("state", flow.state());
                    q.put("nonce", flow.nonce());
                    q.put("code_challenge", flow.codeChallenge());
                    q.put("code_challenge_method", "S256");
                    String sep = m.authorizationEndpoint().contains("?") ? "&" : "?";
                    return new Started(m.authorizationEndpoint() + sep + form(q), flows.set(flow, ttl));
                });
    }

    /**
     * Finishes a login: 400 for a missing, expired or foreign state; 401 when the provider refuses the code or the ID
     * token is invalid; 403 when the identity may not create a user or its user is disabled; 502 when the provider is
     * unreachable. Failures are audited (without tokens or codes) and open no session.
     */
    public Uni<Completed> callback(String providerId, Callback cb, String flowCookie, String requestBaseUrl,
            AuditContext ctx) {
        OidcConfig.Provider p = provider(providerId);
        AtomicReference<IdTokenValidator.IdClaims> seen = new AtomicReference<>();
        return vertx.executeBlocking(Uni.createFrom().item(() -> flows.open(flowCookie)))
                .chain(flow -> {
                    if (flow.isEmpty() || !flow.get().matches(providerId, cb.state(), Instant.now())) {
                        throw MedhookException.badRequest("The login state is missing, expired or does not match");
                    }
                    if (cb.error() != null) {
                        throw MedhookException.unauthorized("The identity provider did not complete the login");
                    }
                    if (cb.code() == null || cb.code().isBlank() || cb.code().length() > 4096) {
                        throw MedhookException.badRequest("The callback carries no authorization code");
                    }
                    LoginFlow f = flow.get();
                    return vertx.executeBlocking(Uni.createFrom().item(() -> clientSecret(providerId, p)))
                            .chain(secret -> client.metadata(p.issuer()).chain(m -> client.exchange(m, p.clientId(),
                                    secret, cb.code(), redirectUri(providerId, requestBaseUrl), f.verifier())
                                    .chain(t -> validator.validate(m, p.clientId(), t.idToken(), f.nonce()))))
                            .invoke(seen::set)
                            .chain(claims -> link(providerId, p, claims, ctx))
                            .map(done -> new Completed(done.accessToken(), done.expiresIn(), done.sessionId(),
                                    done.userId(), f.returnTo()));
                })
                .onFailure().call(e -> failed(providerId, seen.get(), e, ctx));
    }

    private Uni<Completed> link(String providerId, OidcConfig.Provider p, IdTokenValidator.IdClaims claims,
            AuditContext ctx) {
        return Panache.withTransaction(() -> identities.find(claims.issuer(), claims.subject())
                .chain(existing -> existing != null ? users.findById(existing.userId)
                        : createUser(providerId, p, claims, ctx))
                .chain(user -> {
                    if (user == null || user.disabled) {
                        throw MedhookException.forbidden("This account is disabled");
                    }
                    return openSession(user, providerId, ctx);
                }));
    }

    private Uni<User> createUser(String providerId, OidcConfig.Provider p, IdTokenValidator.IdClaims claims,
            AuditContext ctx) {
        if (!maySignUp(p, claims)) {
            throw MedhookException.forbidden("This identity has no MedHook account and may not create one");
        }
        String email = claims.email() == null ? null : claims.email().toLowerCase(Locale.ROOT);
        String fallback = truncate(providerId + ":" + claims.subject(), 128);
        Uni<String> username = email != null && claims.emailVerified() && email.length() <= 128
                ? users.findByUsername(email).map(u -> u == null ? email : fallback)
                : Uni.createFrom().item(fallback);
        return username.chain(name -> users.findByUsername(name).chain(clash -> {
            if (clash != null) {
                throw MedhookException.conflict("A user with this name already exists");
            }
            User u = new User();
            u.id = Ids.uuidV7();
            u.username = name;
            u.displayName = truncate(firstNonBlank(claims.name(), claims.preferredUsername(), name), 128);
            u.passwordHash = null;
            u.createdAt = Instant.now();
            u.updatedAt = u.createdAt;
            OidcIdentity link = new OidcIdentity();
            link.id = new OidcIdentity.Key(claims.issuer(), claims.subject());
            link.userId = u.id;
            link.provider = providerId;
            link.email = email;
            link.createdAt = u.createdAt;
            AuditContext asUser = SessionOpener.asUser(u, ctx);
            return u.<User>persist()
                    .call(() -> link.persist())
                    .call(() -> Panache.getSession().chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(asUser,
                            "user.create", "user", u.id.toString(), null, AuditEvent.Outcome.success,
                            AuditChange.created(UserAudit.of(u, providerId))))));
        }));
    }

    /** First login creates a user when the provider allows sign-up or the verified e-mail's domain is allowed. */
    static boolean maySignUp(OidcConfig.Provider p, IdTokenValidator.IdClaims claims) {
        if (p.createUsers()) {
            return true;
        }
        String email = claims.email();
        int at = email == null ? -1 : email.lastIndexOf('@');
        if (!claims.emailVerified() || at <= 0 || at == email.length() - 1) {
            return false;
        }
        String domain = email.substring(at + 1).toLowerCase(Locale.ROOT);
        return p.allowedEmailDomains().orElse(List.of()).stream()
                .anyMatch(d -> d.strip().toLowerCase(Locale.ROOT).equals(domain));
    }

    private Uni<Completed> openSession(User user, String providerId, AuditContext ctx) {
        return opener.open(user, ctx, Map.of("method", "oidc", "provider", providerId))
                .map(o -> new Completed(o.token(), o.expiresIn(), o.sessionId(), user.id.toString(), null));
    }

    /** Audits a failed login in its own transaction; the caller's failure is passed on unchanged. */
    private Uni<Void> failed(String providerId, IdTokenValidator.IdClaims claims, Throwable e, AuditContext ctx) {
        String reason = e instanceof MedhookException me ? me.getMessage() : "internal error";
        String who = claims == null ? null : truncate(firstNonBlank(claims.email(), claims.preferredUsername(),
                claims.subject()), 64);
        AuditContext anon = new AuditContext(new AuditEvent.Actor("anonymous", null, who), ctx.requestId(),
                ctx.sourceAddress(), ctx.userAgent());
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("method", "oidc");
        detail.put("provider", providerId);
        detail.put("reason", reason);
        if (claims != null) {
            detail.put("subject", truncate(claims.subject(), 128));
        }
        return Panache.withTransaction(() -> Panache.getSession().chain(s -> HibernateAuditOutbox.append(s,
                AuditEvent.of(anon, "auth.login", "user", null, null, AuditEvent.Outcome.failure,
                        Map.of("after", detail)))))
                .onFailure().invoke(x -> LOG.errorf("could not audit a failed OIDC login: %s",
                        x.getClass().getSimpleName()))
                .onFailure().recoverWithNull();
    }

    private OidcConfig.Provider provider(String providerId) {
        OidcConfig.Provider p = providerId == null ? null : config.providers().get(providerId);
        if (p == null || !p.enabled() || !PROVIDER_ID.matcher(providerId).matches()) {
            throw MedhookException.notFound("Identity provider");
        }
        return p;
    }

    private String clientSecret(String providerId, OidcConfig.Provider p) {
        String name = p.clientSecretName().orElse("oidc/" + providerId + "/client-secret");
        Optional<String> secret = secrets.find(name);
        if (secret.isEmpty() || secret.get().isBlank()) {
            LOG.errorf("no client secret for identity provider %s in the secrets interface (%s)", providerId, name);
            throw new MedhookException(ErrorKind.UNAVAILABLE, "This identity provider is not configured completely");
        }
        return secret.get();
    }

    /** The callback URL registered at the provider. */
    public String redirectUri(String providerId, String requestBaseUrl) {
        String base = config.publicUrl().map(OidcProviderClient::stripSlash).orElse(requestBaseUrl);
        return base + CALLBACK_PATH.formatted(providerId);
    }

    /** A local path to return to after login; anything else (absolute, scheme-relative) becomes the default. */
    String safeReturnTo(String returnTo) {
        if (returnTo == null || !SAFE_RETURN.matcher(returnTo).matches() || returnTo.startsWith("//")
                || returnTo.contains("/\\")) {
            return config.afterLoginPath();
        }
        return returnTo;
    }


    private static String form(Map<String, String> q) {
        StringBuilder sb = new StringBuilder();
        q.forEach((k, v) -> {
            if (!sb.isEmpty()) {
                sb.append('&');
            }
            sb.append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20"));
        });
        return sb.toString();
    }

    private static String firstNonBlank(String... s) {
        for (String x : s) {
            if (x != null && !x.isBlank()) {
                return x;
            }
        }
        return null;
    }

    private static String truncate(String s, int max) {
        return s == null ? null : s.length() > max ? s.substring(0, max) : s;
    }
}

package io.medhook.bench.auth;

import io.medhook.common.security.HttpJwksSource;
import io.medhook.common.security.HttpRevocationFeed;
import io.medhook.common.security.JwtVerifier;
import io.medhook.common.security.MedhookIdentityProvider;
import io.medhook.common.security.MedhookPrincipal;
import io.quarkus.security.identity.SecurityIdentity;
import java.util.concurrent.TimeUnit;
import org.jose4j.jwt.JwtClaims;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What verifying a bearer token costs a protected MedHook service, per request, on one thread. The token is a real one
 * issued by the running auth-service (a client-credentials service token, or a user token from the bootstrap admin's
 * login); the signing key comes from auth-service's real JWKS endpoint through the real {@link HttpJwksSource}, fetched
 * once in set-up and then served from its cache, as in a service between two refreshes.
 * <ul>
 * <li>{@code verify}: {@link JwtVerifier#verify(String)}: header and {@code kid}, JWKS cache, RS256 signature, issuer,
 * audience, exp/iat, two-hour life, claims to principal.</li>
 * <li>{@code authenticate}: {@link MedhookIdentityProvider#authenticate}: the above plus the revocation check (the real
 * {@link HttpRevocationFeed}'s set, empty here) and the Quarkus {@link SecurityIdentity}. The HTTP mechanism in front of
 * it only reads the Authorization header (not measured).</li>
 * <li>{@code jose4jCachedConsumer} / {@code jose4jConsumerPerCall}: the jose4j step alone, with the consumer built once
 * (as JwtVerifier does now) or per call (as it did before), to show what caching the consumer saves.</li>
 * </ul>
 * JMH measures wall-clock time: on a machine other processes keep busy, a sample includes the time the thread waited
 * for a CPU. {@link VerifyCost} measures the same operations in thread CPU time, interleaved.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = { "-Xms256m", "-Xmx256m" })
public class TokenVerificationBenchmark {

    /** Base URL of the running auth-service. */
    @Param({ "" })
    public String authUrl;

    /** File holding the workflow-service client secret (service tokens). */
    @Param({ "" })
    public String secretFile;

    /** File holding the bootstrap admin password (user tokens). */
    @Param({ "" })
    public String adminPasswordFile;

    /** {@code service}: a client-credentials token for medhook-sandbox; {@code user}: the admin's 2-hour token. */
    @Param({ "service", "user" })
    public String token;

    private VerificationFixture f;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        f = new VerificationFixture(authUrl, secretFile, adminPasswordFile, token);
        System.out.printf("%n[set-up] %s%n", f.describe());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        f.close();
    }

    @Benchmark
    public MedhookPrincipal verify() {
        return f.verify();
    }

    @Benchmark
    public SecurityIdentity authenticate() {
        return f.authenticate();
    }

    @Benchmark
    public JwtClaims jose4jCachedConsumer() throws Exception {
        return f.jose4jCachedConsumer();
    }

    @Benchmark
    public JwtClaims jose4jConsumerPerCall() throws Exception {
        return f.jose4jConsumerPerCall();
    }
}

package io.talkwire;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.logging.Log;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;

/**
 * Refuses to start with a secret that anyone can read: the JWT secret of {@code docker-compose.yml} and
 * {@code .env.example}, RabbitMQ's {@code guest} or the compose credentials on a broker that is not on this machine,
 * PostgreSQL's compose credentials on a database that is not on this machine. {@code talkwire.development-secrets=true}
 * (what {@code docker compose up} sets unless {@code .env} says otherwise) lets them through, with a warning at every
 * start. A JWT secret under 32 bytes is refused whatever the flag ({@code auth.SecurityConfig}).
 * <p>
 * Checked once the configuration is read and before anything connects (registered in {@code META-INF/spring.factories}).
 */
public class DevelopmentSecrets implements EnvironmentPostProcessor, Ordered {

    static final String FLAG = "talkwire.development-secrets";

    /** The compose file's JWT secret, and the marker every published example secret carries. */
    private static final String COMPOSE_JWT_SECRET = "local-development-only-secret-change-me-0123456789";

    private static final Set<String> KNOWN_PASSWORDS = Set.of("guest", "talkwire", "postgres", "password", "secret");

    private static final Pattern JDBC_HOSTS = Pattern.compile("^jdbc:[a-z]+://([^/?]*)");

    private final Log log;

    public DevelopmentSecrets(DeferredLogFactory logs) {
        this.log = logs.getLog(DevelopmentSecrets.class);
    }

    /** After application.yml, environment variables and arguments are in. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        List<String> found = find(environment);
        if (found.isEmpty()) {
            return;
        }
        if (environment.getProperty(FLAG, Boolean.class, false)) {
            log.warn("""

                    ********************************************************************************************
                    DEVELOPMENT SECRETS IN USE (%s=true): anyone who read the project's files can
                    %s.
                    Fine on your own machine; before anyone else can reach Talkwire, set real secrets in .env
                    (see .env.example) and TALKWIRE_DEVELOPMENT_SECRETS=false.
                    ********************************************************************************************"""
                .formatted(FLAG, String.join(",\n", found)));
            return;
        }
        throw new IllegalStateException("Refusing to start with published development secrets: "
                + String.join("; ", found) + ". Set your own (see .env.example), or set " + FLAG
                + "=true to run with them on a machine nobody else can reach.");
    }

    /** What a stranger could do with the secrets configured, one phrase each; empty when there is nothing. */
    static List<String> find(Environment environment) {
        List<String> found = new ArrayList<>();
        String jwt = environment.getProperty("talkwire.jwt.secret", "");
        if (jwt.equals(COMPOSE_JWT_SECRET) || jwt.toLowerCase(Locale.ROOT).contains("change-me")) {
            found.add("forge access tokens for any user (talkwire.jwt.secret is a published example)");
        }
        String rabbitUser = environment.getProperty("spring.rabbitmq.username", "guest");
        String rabbitPassword = environment.getProperty("spring.rabbitmq.password", "guest");
        if (isKnown(rabbitPassword) && !allLocal(rabbitHosts(environment))) {
            found.add("use RabbitMQ as " + rabbitUser + " (spring.rabbitmq.password is a published default)");
        }
        String dbPassword = environment.getProperty("spring.datasource.password", "");
        String url = environment.getProperty("spring.datasource.url", "");
        if (isKnown(dbPassword) && !allLocal(jdbcHosts(url))) {
            found.add("read and change the database (spring.datasource.password is a published default)");
        }
        return found;
    }

    private static boolean isKnown(String password) {
        return KNOWN_PASSWORDS.contains(password.toLowerCase(Locale.ROOT));
    }

    private static List<String> rabbitHosts(Environment environment) {
        String addresses = environment.getProperty("spring.rabbitmq.addresses", "");
        if (addresses.isBlank()) {
            return List.of(environment.getProperty("spring.rabbitmq.host", "localhost"));
        }
        return Arrays.stream(addresses.split(","))
            .map(String::strip)
            .map(address -> address.replaceFirst("^amqps?://", "").replaceFirst("^[^@]*@", ""))
            .map(DevelopmentSecrets::hostOf)
            .toList();
    }

    private static List<String> jdbcHosts(String url) {
        Matcher hosts = JDBC_HOSTS.matcher(url);
        if (!hosts.find() || hosts.group(1).isEmpty()) {
            return List.of("localhost"); // jdbc:postgresql:dbname is the local server
        }
        return Arrays.stream(hosts.group(1).split(",")).map(String::strip).map(DevelopmentSecrets::hostOf).toList();
    }

    /** {@code host}, {@code host:port}, {@code [v6]:port} → the host. */
    private static String hostOf(String address) {
        if (address.startsWith("[")) {
            int end = address.indexOf(']');
            return end > 0 ? address.substring(1, end) : address;
        }
        int colon = address.indexOf(':');
        return colon >= 0 && address.indexOf(':', colon + 1) < 0 ? address.substring(0, colon) : address;
    }

    private static boolean allLocal(List<String> hosts) {
        return hosts.stream().allMatch(host -> {
            String h = host.toLowerCase(Locale.ROOT);
            return h.equals("localhost") || h.startsWith("127.") || h.equals("::1");
        });
    }
}

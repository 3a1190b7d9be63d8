package io.talkwire;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.rabbitmq.RabbitMQContainer;

import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Where the integration tests find RabbitMQ (with its STOMP plugin) and PostgreSQL.
 *
 * <p>{@code TALKWIRE_TEST_SERVICES} (or {@code -Dtalkwire.test.services}) chooses: {@code testcontainers} starts
 * both in Docker; {@code local} uses the services already running on this machine, as configured in
 * application.yml or by the usual environment variables (SPRING_DATASOURCE_URL, SPRING_RABBITMQ_HOST, ...);
 * {@code auto}, the default, uses Testcontainers when a Docker engine answers and the local services otherwise.
 *
 * <p>On the local PostgreSQL the tests keep to a schema of their own, {@value #LOCAL_SCHEMA} in the {@code talkwire}
 * database, dropped when a test JVM first needs it: every run starts from an empty database (what a run takes does
 * not grow with the runs before it), and what a developer keeps in the {@code public} schema is never touched.
 * Not when {@code SPRING_DATASOURCE_URL} points elsewhere: that database is used as it is.
 */
public final class TestServices {

    private static final boolean CONTAINERS = useContainers();

    private static final String LOCAL_SCHEMA = "talkwire_test";

    private static final boolean OWN_SCHEMA = !CONTAINERS && System.getenv("SPRING_DATASOURCE_URL") == null;

    private static boolean schemaEmptied;

    private static PostgreSQLContainer postgres;

    private static RabbitMQContainer rabbit;

    private TestServices() {
    }

    /** The same JWT secret for every instance a test starts: tokens of one are valid on all, as in production. */
    public static final String JWT_SECRET = "integration-tests-shared-secret-0123456789abcdef";

    /**
     * The fan-out mode under test ({@code -Dtalkwire.fanout}): the build runs every integration test once in each
     * mode.
     */
    public static final String FANOUT = System.getProperty("talkwire.fanout", "broker");

    public static boolean brokerFanout() {
        return "broker".equals(FANOUT);
    }

    public static void register(DynamicPropertyRegistry registry) {
        properties().forEach((name, value) -> registry.add(name, () -> value));
    }

    /** The properties that point Talkwire at the test services (for the local ones, only the tests' own schema). */
    public static synchronized Map<String, Object> properties() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("talkwire.jwt.secret", JWT_SECRET);
        properties.put("talkwire.fanout", FANOUT);
        // generous for the tests that send in bulk from one session or one address; LimitsIT checks the defaults
        properties.put("talkwire.limits.send-per-second", 1_000_000);
        properties.put("talkwire.limits.send-burst", 1_000_000);
        properties.put("talkwire.limits.login-failures", 1_000);
        properties.put("talkwire.limits.rooms-per-hour", 1_000_000);
        properties.put("talkwire.limits.signups-per-hour", 1_000_000);
        if (!CONTAINERS) {
            if (OWN_SCHEMA) {
                emptyLocalSchemaOnce();
                properties.put("spring.datasource.url", jdbcUrl(postgresHost(), postgresPort()));
            }
            return properties;
        }
        if (postgres == null) {
            postgres = new PostgreSQLContainer("postgres:17-alpine").withDatabaseName("talkwire")
                .withUsername("talkwire")
                .withPassword("talkwire");
            rabbit = new RabbitMQContainer("rabbitmq:4.1-management")
                .withCopyToContainer(Transferable.of("[rabbitmq_management,rabbitmq_stomp].\n"),
                        "/etc/rabbitmq/enabled_plugins")
                .withExposedPorts(5672, 15672, 61613);
            postgres.start();
            rabbit.start();
        }
        // throwaway containers with their images' default credentials, perhaps on a Docker host elsewhere
        properties.put("talkwire.development-secrets", true);
        properties.put("spring.datasource.url", jdbcUrl(postgresHost(), postgresPort()));
        properties.put("spring.rabbitmq.host", rabbit.getHost());
        properties.put("spring.rabbitmq.port", rabbit.getAmqpPort());
        properties.put("spring.rabbitmq.username", rabbit.getAdminUsername());
        properties.put("spring.rabbitmq.password", rabbit.getAdminPassword());
        properties.put("talkwire.relay.port", rabbit.getMappedPort(61613));
        return properties;
    }

    /** Where the relay reaches RabbitMQ's STOMP plugin, for tests that put a proxy in between. */
    public static int relayPort() {
        return CONTAINERS ? rabbit.getMappedPort(61613) : 61613;
    }

    /** Where Talkwire reaches RabbitMQ over AMQP (room events, revocations), for tests that put a proxy in between. */
    public static int amqpPort() {
        return CONTAINERS ? rabbit.getAmqpPort() : 5672;
    }

    public static String rabbitHost() {
        return CONTAINERS ? rabbit.getHost() : "localhost";
    }

    /** Where PostgreSQL listens, for tests that put a proxy in between. */
    public static String postgresHost() {
        return CONTAINERS ? postgres.getHost() : "localhost";
    }

    public static int postgresPort() {
        return CONTAINERS ? postgres.getMappedPort(5432) : 5432;
    }

    /** The tests' database at this address (PostgreSQL's own, or a proxy in front of it). */
    public static String jdbcUrl(String host, int port) {
        return database(host, port) + (OWN_SCHEMA ? "?currentSchema=" + LOCAL_SCHEMA : "");
    }

    private static String database(String host, int port) {
        return "jdbc:postgresql://" + host + ":" + port + "/talkwire";
    }

    /** Drops the tests' schema once per JVM; Flyway creates it again when the first instance starts. */
    private static void emptyLocalSchemaOnce() {
        if (schemaEmptied) {
            return;
        }
        String user = System.getenv().getOrDefault("SPRING_DATASOURCE_USERNAME", "talkwire");
        String password = System.getenv().getOrDefault("SPRING_DATASOURCE_PASSWORD", "talkwire");
        try (Connection connection = DriverManager.getConnection(database(postgresHost(), postgresPort()), user, password);
                Statement statement = connection.createStatement()) {
            // a connection left holding its tables (a test process that outlived its run) fails this, not hangs it
            statement.execute("SET lock_timeout = '10s'");
            statement.execute("DROP SCHEMA IF EXISTS " + LOCAL_SCHEMA + " CASCADE");
        }
        catch (SQLException ex) {
            throw new IllegalStateException("cannot empty schema " + LOCAL_SCHEMA + " of the local database talkwire "
                    + "(its role and database talkwire are the README's local services)", ex);
        }
        schemaEmptied = true;
    }

    /** RabbitMQ's management API, to look for queues left behind. */
    public static String rabbitManagementUrl() {
        return CONTAINERS ? rabbit.getHttpUrl() : "http://localhost:15672";
    }

    private static boolean useContainers() {
        String mode = System.getProperty("talkwire.test.services",
                System.getenv().getOrDefault("TALKWIRE_TEST_SERVICES", "auto")).toLowerCase(Locale.ROOT);
        return switch (mode) {
            case "local" -> false;
            case "testcontainers" -> true;
            default -> DockerClientFactory.instance().isDockerAvailable();
        };
    }
}

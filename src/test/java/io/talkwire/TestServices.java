package io.talkwire;

import java.util.Locale;

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
 */
public final class TestServices {

    private static final boolean CONTAINERS = useContainers();

    private static PostgreSQLContainer postgres;

    private static RabbitMQContainer rabbit;

    private TestServices() {
    }

    public static synchronized void register(DynamicPropertyRegistry registry) {
        if (!CONTAINERS) {
            return;
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
        registry.add("spring.datasource.url", postgres::getJdbcUrl);
        registry.add("spring.rabbitmq.host", rabbit::getHost);
        registry.add("spring.rabbitmq.port", rabbit::getAmqpPort);
        registry.add("spring.rabbitmq.username", rabbit::getAdminUsername);
        registry.add("spring.rabbitmq.password", rabbit::getAdminPassword);
        registry.add("talkwire.relay.port", () -> rabbit.getMappedPort(61613));
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

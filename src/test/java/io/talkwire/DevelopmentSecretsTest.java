package io.talkwire;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/** Which configured secrets count as published ones; {@code DevelopmentSecretsIT} shows what a start does with them. */
class DevelopmentSecretsTest {

    private static final String OWN_JWT = "a-secret-of-my-own-that-is-long-enough-0123456789";

    @Test
    void theDefaultsOfALocalSetupWithAnOwnJwtSecretAreFine() {
        assertThat(DevelopmentSecrets.find(new MockEnvironment().withProperty("talkwire.jwt.secret", OWN_JWT))).isEmpty();
        assertThat(DevelopmentSecrets.find(new MockEnvironment())).isEmpty(); // no JWT secret: a random one
    }

    @Test
    void theComposeJwtSecretAndAnyChangeMeSecretArePublished() {
        assertThat(DevelopmentSecrets.find(env().withProperty("talkwire.jwt.secret", composeDefault("TALKWIRE_JWT_SECRET"))))
            .singleElement().asString().contains("talkwire.jwt.secret");
        assertThat(DevelopmentSecrets.find(env().withProperty("talkwire.jwt.secret", "please-CHANGE-ME-before-production-0123")))
            .hasSize(1);
    }

    @Test
    void brokerAndDatabaseDefaultsArePublishedOnlyOffThisMachine() {
        assertThat(DevelopmentSecrets.find(env().withProperty("spring.rabbitmq.host", "rabbitmq"))).singleElement()
            .asString().contains("RabbitMQ as guest");
        assertThat(DevelopmentSecrets.find(env().withProperty("spring.rabbitmq.host", "127.0.0.1"))).isEmpty();
        assertThat(DevelopmentSecrets.find(env().withProperty("spring.rabbitmq.addresses", "localhost:5672,[::1]:5673")))
            .isEmpty();
        assertThat(DevelopmentSecrets.find(env().withProperty("spring.rabbitmq.addresses", "localhost:5672,amqp://u:p@mq.example:5672")))
            .hasSize(1);
        assertThat(DevelopmentSecrets.find(env().withProperty("spring.rabbitmq.host", "rabbitmq")
            .withProperty("spring.rabbitmq.username", "talkwire")
            .withProperty("spring.rabbitmq.password", "a-real-password"))).isEmpty();

        MockEnvironment database = env().withProperty("spring.datasource.password", "talkwire");
        assertThat(DevelopmentSecrets.find(database.withProperty("spring.datasource.url", "jdbc:postgresql://localhost:5432/talkwire")))
            .isEmpty();
        assertThat(DevelopmentSecrets.find(database.withProperty("spring.datasource.url", "jdbc:postgresql://postgres:5432/talkwire")))
            .singleElement().asString().contains("database");
        assertThat(DevelopmentSecrets.find(database.withProperty("spring.datasource.url", "jdbc:postgresql://127.0.0.1,db.example:5432/t")))
            .hasSize(1);
    }

    /** {@code docker compose up} must start on a fresh machine: its defaults are published, so it says so. */
    @Test
    void composeRunsWithDevelopmentSecretsOnlyUntilEnvSaysOtherwise() throws IOException {
        assertThat(composeDefault("TALKWIRE_DEVELOPMENT_SECRETS")).isEqualTo("true");
        assertThat(Files.readString(Path.of(".env.example"))).contains("\nTALKWIRE_DEVELOPMENT_SECRETS=false\n");
        MockEnvironment composeDefaults = new MockEnvironment()
            .withProperty("talkwire.jwt.secret", composeDefault("TALKWIRE_JWT_SECRET"))
            .withProperty("spring.rabbitmq.host", "rabbitmq")
            .withProperty("spring.rabbitmq.password", composeDefault("RABBITMQ_PASSWORD"))
            .withProperty("spring.datasource.url", "jdbc:postgresql://postgres:5432/talkwire")
            .withProperty("spring.datasource.password", composeDefault("POSTGRES_PASSWORD"));
        assertThat(DevelopmentSecrets.find(composeDefaults)).hasSize(3);
    }

    private static MockEnvironment env() {
        return new MockEnvironment().withProperty("talkwire.jwt.secret", OWN_JWT);
    }

    /** The value docker-compose.yml uses for {@code ${NAME:-value}} when .env does not set NAME. */
    private static String composeDefault(String name) {
        try {
            Matcher value = Pattern.compile("\\$\\{" + name + ":-([^}]*)}").matcher(Files.readString(Path.of("docker-compose.yml")));
            assertThat(value.find()).as("a default for " + name + " in docker-compose.yml").isTrue();
            return value.group(1);
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }
}

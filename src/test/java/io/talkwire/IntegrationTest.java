package io.talkwire;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** One Talkwire on a random port against the real RabbitMQ and PostgreSQL ({@link TestServices}); shared by all ITs. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
public abstract class IntegrationTest {

    @LocalServerPort
    protected int port;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.register(registry);
    }

    protected Api api() {
        return new Api(port);
    }

    protected StompTestClient connect(Api.User user) {
        return StompTestClient.connect(port, user.token());
    }
}

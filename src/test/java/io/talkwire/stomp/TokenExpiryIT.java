package io.talkwire.stomp;

import java.time.Instant;

import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.auth.TokenService;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

class TokenExpiryIT extends IntegrationTest {

    @Autowired
    TokenService tokens;

    @Test
    void aLiveSessionIsClosedWithAnErrorFrameWhenItsTokenExpires() {
        User user = api().newUser("ephemeral");
        String shortLived = tokens.issue(user.name(), Instant.now().plusSeconds(3)).accessToken();
        try (StompTestClient client = StompTestClient.connect(port, shortLived)) {
            client.subscribe("/user/queue/events");
            assertThat(client.expectErrorAndClose()).contains("expired");
        }
    }
}

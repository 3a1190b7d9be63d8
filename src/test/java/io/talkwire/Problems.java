package io.talkwire;

import io.talkwire.Api.Response;

import static org.assertj.core.api.Assertions.assertThat;

/** Assertions about REST errors, which are problem+json (RFC 9457) whatever went wrong. */
public final class Problems {

    private Problems() {
    }

    public static void assertProblem(Response response, int status) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
    }
}

package io.talkwire;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * /v3/api-docs and Swagger UI are open, and the document lists every REST operation the controllers serve (as Spring
 * MVC maps them, so that a new endpoint cannot be left out), with the bearer scheme and problem+json errors.
 */
class OpenApiIT extends IntegrationTest {

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    private RequestMappingHandlerMapping mappings;

    @Test
    void theDocumentListsEveryOperationTheControllersServe() {
        Api.Response docs = api().get("/v3/api-docs", null);
        assertThat(docs.status()).isEqualTo(200);
        assertThat(docs.contentType()).startsWith("application/json");

        Set<String> served = servedOperations();
        assertThat(served).contains("POST /api/auth/login", "GET /api/rooms/{id}/messages",
                "POST /api/rooms/{id}/messages", "GET /api/search");
        assertThat(documentedOperations(docs.json())).isEqualTo(served);
    }

    @Test
    void theDocumentDescribesBearerTokensAndProblemJsonErrors() {
        JsonNode docs = api().get("/v3/api-docs", null).json();

        JsonNode bearer = docs.path("components").path("securitySchemes").path("bearer");
        assertThat(bearer.path("type").asString()).isEqualTo("http");
        assertThat(bearer.path("scheme").asString()).isEqualTo("bearer");
        assertThat(docs.path("security").toString()).contains("bearer");

        JsonNode paths = docs.get("paths");
        // signup, login and refresh take no token; everything else needs one
        for (String open : Set.of("/api/auth/signup", "/api/auth/login", "/api/auth/refresh")) {
            JsonNode security = paths.path(open).path("post").path("security");
            assertThat(security.isArray()).as(open + " overrides the token requirement").isTrue();
            assertThat(security.isEmpty()).as(open + " needs no token").isTrue();
        }
        JsonNode send = paths.path("/api/rooms/{id}/messages").path("post");
        assertThat(send.path("security").isMissingNode()).isTrue();
        assertThat(send.path("responses").path("401").path("content").path("application/problem+json").isMissingNode())
            .isFalse();
        assertThat(send.path("responses").path("default").path("content").path("application/problem+json")
            .isMissingNode()).isFalse();
        assertThat(docs.path("components").path("schemas").path("Problem").toString()).contains("detail");
    }

    @Test
    void swaggerUiIsOpen() throws Exception {
        Api.Response page = api().get("/swagger-ui.html", null);
        assertThat(page.status()).as("/swagger-ui.html answers or redirects").isIn(200, 301, 302, 303, 307, 308);

        HttpClient following = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
        HttpResponse<String> ui = following.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/swagger-ui.html")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ui.statusCode()).isEqualTo(200);
        assertThat(ui.body()).containsIgnoringCase("swagger-ui");
    }

    /** "METHOD /path" for every handler method under /api/, as Spring MVC maps it. */
    private Set<String> servedOperations() {
        Set<String> operations = new TreeSet<>();
        for (RequestMappingInfo mapping : mappings.getHandlerMethods().keySet()) {
            Set<RequestMethod> methods = mapping.getMethodsCondition().getMethods();
            for (String pattern : mapping.getPatternValues()) {
                if (!pattern.startsWith("/api/")) {
                    continue;
                }
                assertThat(methods).as(pattern + " is mapped to named HTTP methods").isNotEmpty();
                methods.forEach(method -> operations.add(method.name() + " " + pattern));
            }
        }
        return operations;
    }

    /** "METHOD /path" for every operation of the document under /api/. */
    private static Set<String> documentedOperations(JsonNode docs) {
        Set<String> operations = new TreeSet<>();
        for (Map.Entry<String, JsonNode> path : docs.get("paths").properties()) {
            if (!path.getKey().startsWith("/api/")) {
                continue;
            }
            for (Map.Entry<String, JsonNode> operation : path.getValue().properties()) {
                String key = operation.getKey();
                if (Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace").contains(key)) {
                    operations.add(key.toUpperCase(Locale.ROOT) + " " + path.getKey());
                }
            }
        }
        return operations;
    }
}

package io.talkwire.auth;

import java.util.List;
import java.util.Set;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The REST API's OpenAPI document ({@code /v3/api-docs}, {@code /swagger-ui.html}, both open): every operation needs
 * a bearer token except signup, login and refresh (as {@link SecurityConfig} has it), and every error is
 * {@code application/problem+json}. The STOMP protocol is described in docs/protocol.md, not here.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfig {

    static final String BEARER = "bearer";

    /** The operations that take no token (SecurityConfig permits them). */
    static final Set<String> PUBLIC_PATHS = Set.of("/api/auth/signup", "/api/auth/login", "/api/auth/refresh");

    private static final String PROBLEM = "Problem";

    private static final String PROBLEM_JSON = "application/problem+json";

    @Bean
    OpenAPI talkwireOpenApi() {
        return new OpenAPI()
            .info(new Info()
                .title("Talkwire REST API")
                .version("0.1")
                .description("""
                        Accounts, rooms, members, history and sends over HTTP. Send the access token of \
                        POST /api/auth/login (or /api/auth/refresh) as `Authorization: Bearer <accessToken>`; the same \
                        token authenticates a STOMP CONNECT. Errors are `application/problem+json` (RFC 9457) with \
                        `status`, `title` and `detail`. The STOMP protocol (destinations, events, error codes) is in \
                        docs/protocol.md."""))
            .components(new Components()
                .addSecuritySchemes(BEARER, new SecurityScheme()
                    .type(SecurityScheme.Type.HTTP)
                    .scheme("bearer")
                    .bearerFormat("JWT")
                    .description("Talkwire's own HS256 access token (POST /api/auth/login, /api/auth/refresh)"))
                .addSchemas(PROBLEM, problemSchema()))
            .addSecurityItem(new SecurityRequirement().addList(BEARER));
    }

    /** Public operations need no token; every operation may answer an error as problem+json. */
    @Bean
    OpenApiCustomizer tokensAndProblems() {
        return openApi -> {
            // springdoc builds the components from the models it finds, after the bean above: add ours again
            if (openApi.getComponents() != null) {
                openApi.getComponents().addSchemas(PROBLEM, problemSchema());
            }
            if (openApi.getPaths() == null) {
                return;
            }
            openApi.getPaths().forEach((path, item) -> {
                for (Operation operation : item.readOperations()) {
                    boolean open = PUBLIC_PATHS.contains(path);
                    if (open) {
                        operation.setSecurity(List.of());
                    }
                    if (operation.getResponses() == null) {
                        operation.setResponses(new ApiResponses());
                    }
                    ApiResponses responses = operation.getResponses();
                    if (!open) {
                        responses.put("401", problem("no valid bearer token"));
                    }
                    responses.put("default", problem("an error, as application/problem+json (RFC 9457)"));
                }
            });
        };
    }

    private static ApiResponse problem(String description) {
        return new ApiResponse()
            .description(description)
            .content(new Content().addMediaType(PROBLEM_JSON,
                    new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM))));
    }

    private static Schema<?> problemSchema() {
        return new ObjectSchema()
            .description("RFC 9457 problem details")
            .addProperty("type", new StringSchema().format("uri"))
            .addProperty("title", new StringSchema())
            .addProperty("status", new IntegerSchema())
            .addProperty("detail", new StringSchema())
            .addProperty("instance", new StringSchema().format("uri"));
    }
}

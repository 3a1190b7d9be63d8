package io.talkwire;

import java.util.HashMap;
import java.util.Map;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** One more Talkwire in this JVM, on its own port, against the same services: a second instance of the chat. */
public final class TalkwireInstance implements AutoCloseable {

    private final ConfigurableApplicationContext context;

    private TalkwireInstance(ConfigurableApplicationContext context) {
        this.context = context;
    }

    public static TalkwireInstance start(Map<String, Object> overrides) {
        Map<String, Object> properties = new HashMap<>(TestServices.properties());
        properties.put("server.port", 0);
        properties.putAll(overrides);
        // as command-line arguments: they outrank application.yml, as the test context's dynamic properties do
        String[] args = properties.entrySet().stream().map(p -> "--" + p.getKey() + "=" + p.getValue()).toArray(String[]::new);
        return new TalkwireInstance(new SpringApplicationBuilder(TalkwireApplication.class).run(args));
    }

    public static TalkwireInstance start() {
        return start(Map.of());
    }

    public int port() {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    public Api api() {
        return new Api(port());
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        context.close();
    }
}

package io.talkwire;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

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
        return start(overrides, Set.of());
    }

    /**
     * Without some of the test services' properties ({@code unset}), so that application.yml's values apply to them:
     * the limits the other tests raise, say, for a test of the defaults a deployment gets.
     */
    public static TalkwireInstance start(Map<String, Object> overrides, Set<String> unset) {
        return start(overrides, unset, new Class<?>[0]);
    }

    /** With more configuration classes besides the application's: a test's own beans, say. */
    public static TalkwireInstance startWith(Map<String, Object> overrides, Class<?>... sources) {
        return start(overrides, Set.of(), sources);
    }

    private static TalkwireInstance start(Map<String, Object> overrides, Set<String> unset, Class<?>[] sources) {
        Map<String, Object> properties = new HashMap<>(TestServices.properties());
        properties.keySet().removeAll(unset);
        properties.put("server.port", 0);
        properties.putAll(overrides);
        // as command-line arguments: they outrank application.yml, as the test context's dynamic properties do
        String[] args = properties.entrySet().stream().map(p -> "--" + p.getKey() + "=" + p.getValue()).toArray(String[]::new);
        return new TalkwireInstance(new SpringApplicationBuilder(TalkwireApplication.class).sources(sources).run(args));
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

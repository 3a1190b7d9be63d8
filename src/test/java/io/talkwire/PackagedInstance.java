package io.talkwire;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The jar that {@code package} built, run as a process of its own against the test services: one that can be killed. */
public final class PackagedInstance {

    private PackagedInstance() {
    }

    /** Starts it on a free port; its output goes to {@code target/<logName>.log}. */
    public static Process start(int port, Map<String, Object> overrides, String logName) throws IOException {
        Path jar;
        try (var files = Files.list(Path.of("target"))) {
            jar = files.filter(f -> f.getFileName().toString().matches("talkwire-.*\\.jar")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no target/talkwire-*.jar: run ./mvnw verify"));
        }
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
                "-jar", jar.toString(), "--server.port=" + port));
        Map<String, Object> properties = new HashMap<>(TestServices.properties());
        properties.putAll(overrides);
        properties.forEach((name, value) -> command.add("--" + name + "=" + value));
        File log = new File("target/" + logName + ".log");
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

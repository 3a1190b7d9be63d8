package io.talkwire;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class TalkwireApplication {

    /** Tomcat's per-connection buffers (socket and WebSocket), allocated for every session: 8 KiB each by default. */
    public static final int CONNECTION_BUFFER_BYTES = 4096;

    private static final String WEBSOCKET_BUFFER = "org.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE";

    public static void main(String[] args) {
        if (System.getProperty(WEBSOCKET_BUFFER) == null) {
            System.setProperty(WEBSOCKET_BUFFER, String.valueOf(CONNECTION_BUFFER_BYTES));
        }
        SpringApplication.run(TalkwireApplication.class, args);
    }
}

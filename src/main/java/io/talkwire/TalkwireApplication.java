package io.talkwire;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class TalkwireApplication {

    /** Tomcat's WebSocket read and write buffers, allocated for every session: 8 KiB each unless set. */
    private static final String WEBSOCKET_BUFFER = "org.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE";

    public static void main(String[] args) {
        if (System.getProperty(WEBSOCKET_BUFFER) == null) {
            System.setProperty(WEBSOCKET_BUFFER, "4096");
        }
        SpringApplication.run(TalkwireApplication.class, args);
    }
}

package io.talkwire.chat;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.talkwire.chat.ChatEvents.MentionEvent;
import io.talkwire.chat.ChatEvents.MessageEvent;
import io.talkwire.delivery.PersonalEvents;
import io.talkwire.room.RoomEvent;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.event.EventListener;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * {@code MENTION} on {@code /user/queue/events}: a committed message that names {@code @username} tells that user,
 * if they are a member of the room. Membership, not permission to read, in PUBLIC rooms too: anyone may read those,
 * and a mention must not reach every user of the chat. The sender naming themself is no mention, a user is told once
 * per message, and only the first {@value #MAX_NAMES} names of a message are looked at, so that one message cannot
 * fan out without bound.
 *
 * <p>The text is scanned on the committer's thread, as the message is published (a message without '@' costs
 * nothing more); the names found are looked up, in one query per message, and told on a thread of its own, so that
 * neither the rest of the committer's batch nor the next commits of its rooms wait for that query. Each instance tells
 * about the messages it committed; mentions may be lost (a database or broker outage, a backlog of
 * {@value #MAX_BACKLOG} messages), and the message itself is in the room's history either way.
 */
@Component
class Mentions {

    private static final Logger log = LoggerFactory.getLogger(Mentions.class);

    /** Distinct names looked up per message, the first in its text. */
    static final int MAX_NAMES = 20;

    private static final int MAX_BACKLOG = 10_000;

    /**
     * An '@' that does not end a word (so not the one of {@code email@bob}), then as many username characters as
     * follow, any case: 3 to 32 of them, or it names nobody.
     */
    private static final Pattern MENTION =
            Pattern.compile("(?<![\\p{L}\\p{N}_])@([A-Za-z0-9_.-]{3,32})(?![A-Za-z0-9_.-])");

    private final JdbcClient jdbc;

    private final PersonalEvents personal;

    private final ThreadPoolExecutor thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(MAX_BACKLOG), Thread.ofPlatform().daemon().name("talkwire-mentions").factory());

    Mentions(JdbcClient jdbc, PersonalEvents personal) {
        this.jdbc = jdbc;
        this.personal = personal;
    }

    /** Never throws: the message is committed, and its committer goes on with the rest of its batch. */
    @EventListener
    void on(RoomEvent event) {
        if (!(event.payload() instanceof MessageEvent committed)) {
            return;
        }
        ChatMessage message = committed.message();
        try {
            Collection<List<String>> found = find(message.content());
            Set<String> names = lookups(found, message.sender());
            if (names.isEmpty()) {
                return;
            }
            thread.execute(() -> tell(message.roomId(), message.seq(), message.sender(), found, names));
        }
        catch (RejectedExecutionException ex) {
            log.warn("Dropped the mentions of message {} of room {} (backlog full, or shutting down)", message.seq(),
                    message.roomId());
        }
        catch (RuntimeException ex) {
            log.error("Could not find the mentions of message {} of room {}", message.seq(), message.roomId(), ex);
        }
    }

    /**
     * The distinct mentions in the text, in order, each as the names it may stand for, longest first: the dots that
     * end {@code "thanks @bob."} end the sentence unless a member is called {@code bob.}. Lower-case, as usernames are.
     */
    static Collection<List<String>> find(String content) {
        Set<List<String>> found = new LinkedHashSet<>();
        if (content.indexOf('@') < 0) {
            return found;
        }
        Set<String> names = new HashSet<>();
        Matcher matcher = MENTION.matcher(content);
        while (matcher.find()) {
            String name = matcher.group(1).toLowerCase(Locale.ROOT);
            String withoutDots = name.replaceFirst("\\.+$", "");
            List<String> candidates = withoutDots.length() >= 3 && !withoutDots.equals(name)
                    ? List.of(name, withoutDots) : List.of(name);
            List<String> unseen = candidates.stream().filter(candidate -> !names.contains(candidate)).toList();
            if (names.size() + unseen.size() > MAX_NAMES) {
                break;
            }
            names.addAll(unseen);
            found.add(candidates);
        }
        return found;
    }

    /** The names to look up: every one found but the sender's. */
    static Set<String> lookups(Collection<List<String>> found, String sender) {
        Set<String> names = new LinkedHashSet<>();
        found.forEach(names::addAll);
        names.remove(sender);
        return names;
    }

    /** Each mention stands for its longest name of a member; one that stands for the sender first is none. */
    static Set<String> mentioned(Collection<List<String>> found, String sender, Set<String> members) {
        Set<String> mentioned = new LinkedHashSet<>();
        for (List<String> candidates : found) {
            for (String name : candidates) {
                if (name.equals(sender)) {
                    break;
                }
                if (members.contains(name)) {
                    mentioned.add(name);
                    break;
                }
            }
        }
        return mentioned;
    }

    private void tell(long roomId, long seq, String sender, Collection<List<String>> found, Set<String> names) {
        Set<String> members;
        try {
            members = new HashSet<>(jdbc.sql(
                    "SELECT username FROM room_members WHERE room_id = ? AND username = ANY(?::varchar[])")
                .param(roomId)
                .param(names.toArray(String[]::new))
                .query(String.class)
                .list());
        }
        catch (DataAccessException ex) {
            log.warn("Could not look up the mentions of message {} of room {}: {}", seq, roomId, ex.getMessage());
            return;
        }
        mentioned(found, sender, members).forEach(name -> personal.toUser(name, new MentionEvent(roomId, seq, sender)));
    }

    /** Tells what is still waiting, for a few seconds at most. */
    @PreDestroy
    void stop() throws InterruptedException {
        thread.shutdown();
        thread.awaitTermination(5, TimeUnit.SECONDS);
    }
}

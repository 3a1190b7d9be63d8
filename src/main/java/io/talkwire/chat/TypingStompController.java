package io.talkwire.chat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.talkwire.RateLimiter;
import io.talkwire.chat.ChatEvents.ErrorEvent;
import io.talkwire.chat.ChatEvents.TypingEvent;
import io.talkwire.delivery.EphemeralEvents;
import io.talkwire.delivery.Receipts;
import io.talkwire.room.RoomService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.messaging.Message;
import org.springframework.messaging.handler.annotation.DestinationVariable;
import org.springframework.messaging.handler.annotation.MessageMapping;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.messaging.simp.SimpMessageType;
import org.springframework.messaging.simp.SimpMessagingTemplate;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Controller;

/**
 * {@code SEND /app/rooms.{roomId}.typing} (any body): {@code TYPING} to every other subscriber of the room, stored
 * nowhere. Clients may send one per keystroke, so most are dropped here, before anything costs a query: at most one
 * per session and room every {@link #PER_SESSION_AND_ROOM} is passed on, and {@value #PER_USER_PER_SECOND} per user
 * and second (on this instance) over all their sessions and rooms. One that is passed on is checked like a send (the
 * user must be allowed to read the room; NOT_FOUND otherwise, on {@code /user/queue/errors}, and the connection stays
 * open), then published on this thread: it never waits behind a commit, and it is not a {@code RoomEvent}, so the
 * order of committed events is untouched. A {@code receipt} is answered once the frame is handled, passed on or
 * dropped; a refused one gets the error event instead, as a send does.
 */
@Controller
class TypingStompController {

    private static final Logger log = LoggerFactory.getLogger(TypingStompController.class);

    static final Duration PER_SESSION_AND_ROOM = Duration.ofSeconds(2);

    static final int PER_USER_PER_SECOND = 5;

    private static final long WINDOW_NANOS = PER_SESSION_AND_ROOM.toNanos();

    private final RoomService rooms;

    private final EphemeralEvents events;

    private final SimpMessagingTemplate template;

    private final Receipts receipts;

    /** When each session last passed a TYPING on to each room ({@link System#nanoTime()}). */
    private final Map<SessionRoom, Long> lastPassed = new ConcurrentHashMap<>();

    /** The cap per user: many sessions and rooms would otherwise multiply the per-session rate. */
    private final RateLimiter perUser = new RateLimiter(PER_USER_PER_SECOND, PER_USER_PER_SECOND);

    TypingStompController(RoomService rooms, EphemeralEvents events, SimpMessagingTemplate template,
            Receipts receipts) {
        this.rooms = rooms;
        this.events = events;
        this.template = template;
        this.receipts = receipts;
    }

    @MessageMapping("rooms.{roomId}.typing")
    void typing(@DestinationVariable long roomId, Message<byte[]> frame) {
        String user = ChatStompController.sender(frame);
        StompHeaderAccessor stomp = StompHeaderAccessor.wrap(frame);
        String sessionId = stomp.getSessionId();
        if (sessionId != null && passes(new SessionRoom(sessionId, roomId), user)) {
            try {
                if (!rooms.canRead(roomId, user)) {
                    notFound(roomId, stomp, user);
                    return; // the error event instead of a RECEIPT, as for a send
                }
                events.publishExcept(roomId, new TypingEvent(roomId, user), sessionId);
            }
            catch (DataAccessException ex) {
                // the database is away: dropped, as any TYPING may be (the next keystroke tries again)
                log.debug("Dropped a TYPING to room {}: {}", roomId, ex.getMessage());
            }
        }
        receipts.answer(stomp);
    }

    /** As for a send to a room the user may not read: the session hears why; the connection stays open. */
    private void notFound(long roomId, StompHeaderAccessor frame, String user) {
        ErrorEvent error = new ErrorEvent("NOT_FOUND", "room " + roomId + " not found", frame.getReceipt(), null);
        SimpMessageHeaderAccessor headers = SimpMessageHeaderAccessor.create(SimpMessageType.MESSAGE);
        headers.setSessionId(frame.getSessionId());
        headers.setLeaveMutable(true);
        template.convertAndSendToUser(user, "/queue/errors", error, headers.getMessageHeaders());
    }

    /**
     * Whether the session passed no TYPING on to the room in the last window, and the user's cap allows one more; if
     * so, this one opens a new window. The cap is asked only then (a keystroke's repeats do not spend it), and before
     * a window is recorded, so frames to many rooms (room ids need not exist) record at most the cap's rate per user.
     * One session's frames come one at a time, so nothing else changes its windows meanwhile.
     */
    private boolean passes(SessionRoom key, String user) {
        long now = System.nanoTime();
        Long last = lastPassed.get(key);
        if (last != null && now - last < WINDOW_NANOS || !perUser.tryAcquire(user)) {
            return false;
        }
        if (lastPassed.size() >= MAX_WINDOWS) {
            lastPassed.values().removeIf(passed -> now - passed >= WINDOW_NANOS); // closed windows go now
            if (lastPassed.size() >= MAX_WINDOWS) {
                return false;
            }
        }
        lastPassed.put(key, now);
        return true;
    }

    /** Windows that have closed behave as absent ones, so sessions that ended (or stopped typing) cost nothing. */
    @Scheduled(fixedDelay = 60_000)
    void forgetIdle() {
        long now = System.nanoTime();
        lastPassed.values().removeIf(last -> now - last >= WINDOW_NANOS);
    }

    /** Open windows at most: far more than sessions times rooms anyone types in within 2 s. */
    private static final int MAX_WINDOWS = 100_000;

    private record SessionRoom(String sessionId, long roomId) {
    }
}

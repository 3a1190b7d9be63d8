package io.talkwire.web;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.ChaosProxy;
import io.talkwire.IntegrationTest;
import io.talkwire.StompTestClient;
import io.talkwire.StompTestClient.Inbox;
import io.talkwire.TalkwireInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.ElementNotInteractableException;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/** The chat page at / in a real browser: Debian's Chromium, headless, driven by Selenium through chromedriver. */
class ChatPageIT extends IntegrationTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    /** Browsers kept from one test to the next (starting one takes seconds); each test has them in a new tab. */
    private static final Deque<WebDriver> IDLE = new ArrayDeque<>();

    private final List<WebDriver> browsers = new ArrayList<>();

    @BeforeEach
    void requireChromium() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!installed && System.getenv("CI") != null) {
            fail("Chromium and chromedriver are required in CI (.ci/run installs packages chromium and chromium-driver)");
        }
        Assumptions.assumeTrue(installed, "browser tests skipped: install Debian's chromium and chromium-driver to run them");
    }

    /**
     * Closes each page and keeps its browser with one new, empty tab: nothing of the page is left (its connection
     * closes with the tab, sessionStorage belongs to the tab, cookies are deleted). A browser that fails at it goes.
     */
    @AfterEach
    void closePages() {
        for (WebDriver browser : browsers) {
            try {
                browser.manage().deleteAllCookies(); // those of the page's own host: the tab still shows it
                String used = browser.getWindowHandle();
                browser.switchTo().newWindow(WindowType.TAB);
                String fresh = browser.getWindowHandle();
                browser.switchTo().window(used).close();
                browser.switchTo().window(fresh);
                IDLE.push(browser);
            }
            catch (WebDriverException ex) {
                browser.quit();
            }
        }
    }

    @AfterAll
    static void quitBrowsers() {
        while (!IDLE.isEmpty()) {
            try {
                IDLE.pop().quit();
            }
            catch (WebDriverException ex) {
                // gone already; the others are still quit
            }
        }
    }

    @Test
    void twoPeopleChatAndTheirTextStaysText() throws Exception {
        WebDriver alice = browser();
        WebDriver bob = browser();
        String aliceName = signUp(alice, "alice");
        String bobName = signUp(bob, "bob");

        // alice creates a room; bob finds it in his list and joins
        type(alice, "new-room-name", "e2e " + aliceName);
        alice.findElement(By.id("create-room-button")).click();
        waitFor(alice).until(ExpectedConditions.textToBe(By.id("room-title"), "e2e " + aliceName));
        String roomId = waitFor(alice).ignoring(StaleElementReferenceException.class)
            .until(d -> d.findElement(By.cssSelector(".room[aria-current=true]")).getDomAttribute("data-room-id"));
        openRoom(bob, Long.parseLong(roomId));
        waitFor(bob).until(ExpectedConditions.elementToBeClickable(By.id("join-button"))).click();
        waitFor(bob).until(ExpectedConditions.visibilityOfElementLocated(By.id("leave-button")));
        waitFor(alice).until(ExpectedConditions.textToBe(By.id("online-count"), "2 online"));
        assertThat(alice.findElement(By.id("online-users")).getText()).contains(aliceName, bobName);

        say(alice, "hello bob");
        waitForMessage(bob, "hello bob");
        say(bob, "hi alice");
        waitForMessage(alice, "hi alice");
        assertThat(lastMessage(alice).findElement(By.className("sender")).getText()).isEqualTo(bobName);
        // alice's own message: pending until its RECEIPT, then sent (with the time)
        waitFor(alice).until(d -> d.findElements(By.cssSelector(".message.pending")).isEmpty());

        String xss = "<img src=x onerror=alert(1)> <script>alert(2)</script>";
        say(alice, xss);
        waitForMessage(bob, xss);
        assertThat(bob.findElements(By.cssSelector("#messages img, #messages script"))).isEmpty();
        assertThatThrownBy(() -> bob.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        assertThatThrownBy(() -> alice.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);

        screenshot(alice, "chat-view.png");

        bob.findElement(By.id("leave-button")).click();
        waitFor(alice).until(ExpectedConditions.textToBePresentInElementLocated(By.id("messages"), bobName + " left"));
        waitFor(alice).until(ExpectedConditions.textToBe(By.id("online-count"), "1 online"));
    }

    @Test
    void afterTheConnectionDropsEveryMessageIsShownOnceInSeqOrder() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        WebDriver bob = browser();
        signUp(bob, "bob");
        openRoom(bob, room);
        for (int i = 1; i <= 3; i++) {
            api.post("/api/rooms/" + room + "/messages", alice.token(), "{\"content\":\"message " + i + "\"}");
        }
        waitForMessage(bob, "message 3");

        long drops = counter(bob, "drops");
        ((JavascriptExecutor) bob).executeScript("window.talkwire.dropConnection()");
        waitFor(bob).until(d -> counter(bob, "drops") > drops);
        for (int i = 4; i <= 8; i++) {
            api.post("/api/rooms/" + room + "/messages", alice.token(), "{\"content\":\"message " + i + "\"}");
        }
        waitFor(bob).until(ExpectedConditions.textToBe(By.id("connection"), "Connected"));
        api.post("/api/rooms/" + room + "/messages", alice.token(), "{\"content\":\"message 9\"}");
        waitForMessage(bob, "message 9");

        List<String> shown = bob.findElements(By.cssSelector(".message .content")).stream().map(WebElement::getText).toList();
        assertThat(shown).containsExactly("message 1", "message 2", "message 3", "message 4", "message 5", "message 6",
                "message 7", "message 8", "message 9");
        List<String> seqs = bob.findElements(By.cssSelector(".message[data-seq]")).stream()
            .map(e -> e.getDomAttribute("data-seq")).toList();
        assertThat(seqs).containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9");
    }

    /**
     * A connection that goes quiet (the network gone, nothing closed): once the server's heart-beats stop (10 s apart,
     * given up after two missed) the page drops the connection at once and says so, rather than waiting for the
     * browser to finish a close handshake that nobody will answer (a minute in Chromium), and connects again once the
     * network is back (its backoff at most 15 s).
     */
    @Test
    void aConnectionThatGoesQuietIsGivenUpAndReplacedAtOnce() {
        try (ChaosProxy network = new ChaosProxy("localhost", port)) {
            WebDriver bob = browser(network.port());
            signUp(bob, "bob");
            long connects = counter(bob, "connects");

            network.stall(); // and new connections are refused: the page says so until the network is back
            waitFor(bob, Duration.ofSeconds(45))
                .until(ExpectedConditions.textToBePresentInElementLocated(By.id("connection"), "lost"));
            network.restore();
            waitFor(bob, Duration.ofSeconds(30)).until(ExpectedConditions.textToBe(By.id("connection"), "Connected"));
            assertThat(counter(bob, "connects")).isEqualTo(connects + 1);
        }
    }

    /**
     * After a reconnect the room header counts everyone online, its own user included: the member list is fetched
     * once the new subscription counts (its RECEIPT), and events that arrive meanwhile are applied on top of it.
     */
    @Test
    void afterTheConnectionReturnsTheRoomHeaderCountsEveryoneOnlineIncludingItsOwnUser() {
        Api api = api();
        User alice = api.newUser("alice");
        long room = api.createRoom(alice, "PUBLIC");
        try (StompTestClient aliceClient = connect(alice)) {
            aliceClient.subscribe("/topic/rooms." + room);
            WebDriver bob = browser();
            String bobName = signUp(bob, "bob");
            openRoom(bob, room);
            waitFor(bob).until(ExpectedConditions.elementToBeClickable(By.id("join-button"))).click();
            waitFor(bob).until(ExpectedConditions.visibilityOfElementLocated(By.id("leave-button")));
            waitFor(bob).until(ExpectedConditions.textToBe(By.id("online-count"), "2 online"));

            for (int drop = 1; drop <= 3; drop++) {
                long fetched = counter(bob, "memberFetches");
                long connects = counter(bob, "connects");
                ((JavascriptExecutor) bob).executeScript("window.talkwire.dropConnection()");
                waitFor(bob).until(d -> counter(bob, "connects") > connects);
                waitFor(bob).until(ExpectedConditions.textToBe(By.id("connection"), "Connected"));
                // the header as the member list fetched after this reconnect left it, not as it was before the drop
                waitFor(bob).until(d -> counter(bob, "memberFetches") > fetched);
                assertThat(bob.findElement(By.id("online-count")).getText()).isEqualTo("2 online");
                assertThat(bob.findElement(By.id("online-users")).getText()).contains(alice.name(), bobName);
                // nothing that arrives later (a late member list, a stale event) changes it
                api.post("/api/rooms/" + room + "/messages", alice.token(), "{\"content\":\"fence " + drop + "\"}");
                waitForMessage(bob, "fence " + drop);
                assertThat(bob.findElement(By.id("online-count")).getText()).isEqualTo("2 online");
                assertThat(bob.findElement(By.id("online-users")).getText()).contains(alice.name(), bobName);
            }
        }
    }

    /**
     * Access tokens that live 10 s: a minute of chatting renews them and reconnects several times, and the user sees
     * no login form, keeps the draft in the input, and every message exactly once, in seq order.
     */
    @Test
    void withTenSecondAccessTokensAMinuteOfChattingNeedsNoLoginAndLosesNothing() {
        try (TalkwireInstance shortTokens = TalkwireInstance.start(Map.of("talkwire.jwt.ttl", "10s"))) {
            Api api = api(); // bob talks through the shared instance, with hour-long tokens
            User bob = api.newUser("bob");
            long room = api.createRoom(bob, "PUBLIC");
            WebDriver alice = browser(shortTokens.port());
            signUp(alice, "alice");
            openRoom(alice, room);
            waitFor(alice).until(ExpectedConditions.elementToBeClickable(By.id("join-button"))).click();
            waitFor(alice).until(ExpectedConditions.visibilityOfElementLocated(By.id("leave-button")));
            long connectsBefore = connects(alice);

            List<String> said = new ArrayList<>();
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            for (int i = 1; System.nanoTime() < end; i++) {
                assertThat(api.post("/api/rooms/" + room + "/messages", bob.token(), "{\"content\":\"bob " + i + "\"}").status())
                    .isEqualTo(201);
                said.add("bob " + i);
                say(alice, "alice " + i);
                said.add("alice " + i);
                assertThat(alice.findElement(By.id("login-view")).isDisplayed()).as("the login form, at message " + i).isFalse();
                pause(Duration.ofSeconds(2)); // the pace of a conversation, not a wait for anything
            }
            // a draft in the input outlives a renewal and reconnect
            type(alice, "message-input", "half a thought");
            long connects = connects(alice);
            waitFor(alice, Duration.ofSeconds(30)).until(d -> connects(alice) > connects);
            assertThat(alice.findElement(By.id("message-input")).getDomProperty("value")).isEqualTo("half a thought");

            waitFor(alice).until(d -> d.findElements(By.cssSelector(".message.pending")).isEmpty());
            waitForMessage(alice, "alice " + said.size() / 2);
            waitForMessage(alice, "bob " + said.size() / 2);
            assertThat(alice.findElement(By.id("login-view")).isDisplayed()).isFalse();
            assertThat(connects(alice) - connectsBefore).as("sessions ended at their token's expiry and renewed")
                .isGreaterThanOrEqualTo(4);
            List<String> shown = alice.findElements(By.cssSelector(".message[data-seq] .content")).stream()
                .map(WebElement::getText).toList();
            assertThat(shown).containsExactlyInAnyOrderElementsOf(said);
            List<Long> seqs = alice.findElements(By.cssSelector(".message[data-seq]")).stream()
                .map(e -> Long.parseLong(e.getDomAttribute("data-seq"))).toList();
            assertThat(seqs).isEqualTo(LongStream.rangeClosed(1, said.size()).boxed().toList());
        }
    }

    /**
     * Edit and Delete on my own messages, Delete on anyone's for the room's owner; the other page applies
     * MESSAGE_EDITED and MESSAGE_DELETED as they come.
     */
    @Test
    void editAndDeleteOwnMessagesAndTheOwnerDeletesAnyone() throws Exception {
        WebDriver alice = browser();
        WebDriver bob = browser();
        String aliceName = signUp(alice, "alice");
        String bobName = signUp(bob, "bob");
        roomOfBoth(alice, aliceName, bob, bobName);

        // each waits for its own message as stored (with its seq and actions), not only for the pending copy
        say(bob, "bob first draft");
        long bobSeq = seqOf(bob, "bob first draft");
        waitForMessage(alice, "bob first draft");
        say(alice, "alice says hi");
        long aliceSeq = seqOf(alice, "alice says hi");
        waitForMessage(bob, "alice says hi");
        // bob may edit and delete his own message only; alice owns the room: she may delete his, not edit it
        assertThat(bob.findElements(By.cssSelector(message(bobSeq) + " .actions button.edit"))).hasSize(1);
        assertThat(bob.findElements(By.cssSelector(message(aliceSeq) + " .actions button"))).isEmpty();
        assertThat(alice.findElements(By.cssSelector(message(bobSeq) + " .actions button.edit"))).isEmpty();
        assertThat(alice.findElements(By.cssSelector(message(bobSeq) + " .actions button.delete"))).hasSize(1);

        // bob edits inline: Enter saves, and alice sees the new text marked "(edited)"
        click(bob, By.cssSelector(message(bobSeq) + " .actions button.edit"));
        WebElement editor = waitFor(bob).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector(message(bobSeq) + " .edit-input")));
        editor.clear();
        editor.sendKeys("bob final words");
        editor.sendKeys(Keys.ENTER);
        waitForMessage(alice, "bob final words");
        waitFor(alice).until(ExpectedConditions.textToBe(By.cssSelector(message(bobSeq) + " .edited"), "(edited)"));
        waitFor(bob).until(ExpectedConditions.textToBe(By.cssSelector(message(bobSeq) + " .edited"), "(edited)"));

        // Escape cancels an edit: nothing is sent, the text stays
        click(alice, By.cssSelector(message(aliceSeq) + " .actions button.edit"));
        WebElement aliceEditor = waitFor(alice).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector(message(aliceSeq) + " .edit-input")));
        aliceEditor.sendKeys(" never saved");
        aliceEditor.sendKeys(Keys.ESCAPE);
        waitFor(alice).until(ExpectedConditions.textToBe(By.cssSelector(message(aliceSeq) + " .content"), "alice says hi"));
        assertThat(alice.findElements(By.cssSelector(message(aliceSeq) + " .edited"))).isEmpty();
        screenshot(bob, "message-edited.png");

        // the owner deletes bob's message, then her own: both show "message deleted", without actions, on both pages
        click(alice, By.cssSelector(message(bobSeq) + " .actions button.delete"));
        waitFor(bob).until(ExpectedConditions.textToBe(By.cssSelector(message(bobSeq) + " .content.deleted"), "message deleted"));
        assertThat(bob.findElements(By.cssSelector(message(bobSeq) + " .actions"))).isEmpty();
        click(alice, By.cssSelector(message(aliceSeq) + " .actions button.delete"));
        waitFor(bob).until(ExpectedConditions.textToBe(By.cssSelector(message(aliceSeq) + " .content.deleted"), "message deleted"));
        waitFor(alice).until(ExpectedConditions.textToBe(By.cssSelector(message(aliceSeq) + " .content.deleted"), "message deleted"));
        assertThat(alice.findElements(By.cssSelector("#messages .actions"))).isEmpty();
        screenshot(bob, "message-deleted.png");
    }

    /** The badge counts what others sent since my read marker, and clears when I open the room (the marker moves). */
    @Test
    void unreadBadgesCountAndClearWhenRead() throws Exception {
        Api api = api();
        User carol = api.newUser("carol");
        WebDriver dave = browser();
        String daveName = signUp(dave, "dave");
        User daveUser = browserUser(api, daveName);
        long room = api.createRoom(carol, "PRIVATE");
        assertThat(api.put("/api/rooms/" + room + "/members/" + daveName, carol.token()).status()).isEqualTo(204);
        By badge = By.cssSelector(".room[data-room-id='" + room + "'] .unread");
        waitFor(dave).until(ExpectedConditions.presenceOfElementLocated(badge)); // ROOM_ADDED, or the next room list
        waitFor(dave).until(ExpectedConditions.invisibilityOfElementLocated(badge)); // nothing unread: no badge

        for (int i = 1; i <= 3; i++) {
            api.say(carol, room, "unread " + i);
        }
        // raised by the room list that the page reads again 3 s after each read (of a list of one page)
        waitFor(dave).until(ExpectedConditions.textToBe(badge, "3"));
        screenshot(dave, "unread-badge.png");

        openRoom(dave, room);
        waitForMessage(dave, "unread 3");
        waitFor(dave).until(ExpectedConditions.invisibilityOfElementLocated(badge));
        // the read marker moved on the server (PUT /read, within a second), and READ reached the page
        waitFor(dave).until(d -> unreadCount(api, daveUser, room) == 0);
        waitFor(dave).until(d -> ((Number) ((JavascriptExecutor) d)
            .executeScript("return window.talkwire.state.rooms.get(Number(arguments[0])).lastReadSeq", room)).longValue() == 3);
    }

    /** In a DIRECT room "Seen" shows under my latest message once the other member has read up to it. */
    @Test
    void directRoomShowsSeen() throws Exception {
        Api api = api();
        User bob = api.newUser("bob");
        WebDriver alice = browser();
        String aliceName = signUp(alice, "alice");
        type(alice, "direct-username", bob.name());
        alice.findElement(By.id("direct-button")).click();
        long room = api.post("/api/direct/" + aliceName, bob.token(), "").json().get("id").asLong();
        waitFor(alice).ignoring(StaleElementReferenceException.class).until(d -> String.valueOf(room)
            .equals(d.findElement(By.cssSelector(".room[aria-current=true]")).getDomAttribute("data-room-id")));

        say(alice, "did you read this?");
        long seq = seqOf(alice, "did you read this?");
        assertThat(alice.findElements(By.id("seen")).stream().noneMatch(WebElement::isDisplayed)).isTrue();

        assertThat(api.put("/api/rooms/" + room + "/read", bob.token(), "{\"seq\":" + seq + "}").status()).isEqualTo(204);
        // the page asks for the member list (with bob's marker) with each read of the room list while a DIRECT room is open
        WebElement seen = waitFor(alice).until(ExpectedConditions.visibilityOfElementLocated(By.id("seen")));
        assertThat(seen.getText()).isEqualTo("Seen");
        assertThat(((JavascriptExecutor) alice).executeScript(
                "return document.getElementById('seen').previousElementSibling.dataset.seq")).isEqualTo(String.valueOf(seq));
        screenshot(alice, "direct-seen.png");

        // a newer message of mine that bob has not read: no "Seen"
        say(alice, "and this one?");
        seqOf(alice, "and this one?");
        waitFor(alice).until(ExpectedConditions.invisibilityOfElementLocated(By.id("seen")));
    }

    /** Typing in the composer shows "… is typing…" to the others in the room, until the message comes. */
    @Test
    void typingIsShownToOthers() throws Exception {
        WebDriver alice = browser();
        WebDriver bob = browser();
        String aliceName = signUp(alice, "alice");
        String bobName = signUp(bob, "bob");
        roomOfBoth(alice, aliceName, bob, bobName);

        bob.findElement(By.id("message-input")).sendKeys("I am writing a long");
        waitFor(alice).until(ExpectedConditions.textToBe(By.id("typing"), bobName + " is typing\u2026"));
        assertThat(bob.findElement(By.id("typing")).getText()).isEmpty();
        screenshot(alice, "typing.png");

        bob.findElement(By.id("message-input")).sendKeys(Keys.ENTER);
        waitForMessage(alice, "I am writing a long");
        waitFor(alice).until(ExpectedConditions.textToBe(By.id("typing"), ""));
    }

    /** A message naming @me is highlighted; a mention in another room marks that room until I open it. */
    @Test
    void mentionsAreHighlighted() throws Exception {
        Api api = api();
        User bob = api.newUser("bob");
        WebDriver alice = browser();
        String aliceName = signUp(alice, "alice");
        long here = api.createRoom(bob, "PRIVATE");
        long there = api.createRoom(bob, "PRIVATE");
        assertThat(api.put("/api/rooms/" + here + "/members/" + aliceName, bob.token()).status()).isEqualTo(204);
        assertThat(api.put("/api/rooms/" + there + "/members/" + aliceName, bob.token()).status()).isEqualTo(204);
        openRoom(alice, here);

        String named = "hey @" + aliceName.toUpperCase() + " look";
        api.say(bob, here, named);
        api.say(bob, here, "mail x@" + aliceName + " or @" + aliceName + "x");
        api.say(bob, here, "nothing for you");
        waitForMessage(alice, "nothing for you");
        assertThat(alice.findElements(By.cssSelector(".message.mention .content")).stream().map(WebElement::getText))
            .containsExactly(named);

        By thereButton = By.cssSelector(".room[data-room-id='" + there + "']");
        api.say(bob, there, "@" + aliceName + " over here");
        waitFor(alice).ignoring(StaleElementReferenceException.class)
            .until(d -> d.findElement(thereButton).getDomAttribute("class").contains("mentioned"));
        screenshot(alice, "mentions.png");

        openRoom(alice, there);
        waitForMessage(alice, "@" + aliceName + " over here");
        assertThat(alice.findElements(By.cssSelector(".message.mention"))).hasSize(1);
        waitFor(alice).ignoring(StaleElementReferenceException.class)
            .until(d -> !d.findElement(thereButton).getDomAttribute("class").contains("mentioned"));
    }

    /** The owner bans a member from the member list: the member's client hears ROOM_REMOVED, and may not read. */
    @Test
    void ownerBansAMember() throws Exception {
        Api api = api();
        User bob = api.newUser("bob");
        WebDriver alice = browser();
        String aliceName = signUp(alice, "alice");
        User aliceUser = browserUser(api, aliceName);
        long room = api.createRoom(aliceUser, "PUBLIC");
        assertThat(api.put("/api/rooms/" + room + "/members/" + bob.name(), bob.token()).status()).isEqualTo(204);
        try (StompTestClient bobClient = connect(bob)) {
            Inbox bobEvents = bobClient.subscribe("/user/queue/events");
            bobClient.subscribe("/topic/rooms." + room);
            openRoom(alice, room);
            By bobEntry = By.cssSelector("#member-list li[data-username='" + bob.name() + "']");
            waitFor(alice).until(ExpectedConditions.visibilityOfElementLocated(bobEntry));
            assertThat(alice.findElements(By.cssSelector("#member-list li[data-username='" + aliceName + "'] button.ban")))
                .isEmpty();
            screenshot(alice, "member-list.png");

            click(alice, By.cssSelector("#member-list li[data-username='" + bob.name() + "'] button.ban"));
            assertThat(bobEvents.next("ROOM_REMOVED").get("roomId").asLong()).isEqualTo(room);
            waitFor(alice).until(ExpectedConditions.invisibilityOfElementLocated(bobEntry));
            assertThat(api.get("/api/rooms/" + room + "/messages", bob.token()).status()).isEqualTo(404);
            assertThat(api.get("/api/rooms/" + room + "/bans", aliceUser.token()).body()).contains(bob.name());
        }
    }

    /** Search finds a message far back in a room; its result opens the room there, the message in view. */
    @Test
    void searchFindsAndJumpsToAMessage() throws Exception {
        Api api = api();
        // three senders, 20 messages each: within every sender's burst of the send rate limit
        List<User> senders = List.of(api.newUser("ann"), api.newUser("ben"), api.newUser("cat"));
        long room = api.createRoom(senders.get(0), "PUBLIC");
        String word = Api.uniqueName("needle").replace("_", "");
        for (int seq = 1; seq <= 60; seq++) {
            api.say(senders.get(seq % 3), room, seq == 10 ? "the " + word + " is here" : "hay " + seq);
        }
        WebDriver dave = browser();
        signUp(dave, "dave");
        waitFor(dave).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".room[data-room-id='" + room + "']")));

        // a blank query is the server's 400, shown as text where the results go
        type(dave, "search-input", "   ");
        dave.findElement(By.id("search-button")).click();
        WebElement error = waitFor(dave).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#search-results .search-error")));
        assertThat(error.getText()).startsWith("Search failed");

        type(dave, "search-input", word);
        dave.findElement(By.id("search-button")).click();
        By result = By.cssSelector("li.search-result[data-room-id='" + room + "'][data-seq='10']");
        WebElement hit = waitFor(dave).until(ExpectedConditions.visibilityOfElementLocated(result));
        assertThat(hit.getText()).contains(word, senders.get(1).name(), "room of " + senders.get(0).name());
        assertThat(dave.findElements(By.cssSelector("li.search-result"))).hasSize(1);
        screenshot(dave, "search-results.png");

        click(dave, result);
        WebElement found = waitFor(dave).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".message.found")));
        assertThat(found.getDomAttribute("data-seq")).isEqualTo("10");
        assertThat(found.findElement(By.className("content")).getText()).contains(word);
        String open = waitFor(dave).ignoring(StaleElementReferenceException.class)
            .until(d -> d.findElement(By.cssSelector(".room[aria-current=true]")).getDomAttribute("data-room-id"));
        assertThat(open).isEqualTo(String.valueOf(room));
        // the messages around it are loaded (not only the latest 50, which start at 11), and it is scrolled into view
        waitFor(dave).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(message(1))));
        // (the members panel and read markers render after it, and may move it for a moment)
        waitFor(dave).until(d -> (Boolean) ((JavascriptExecutor) d).executeScript("""
                const found = document.querySelector('.message.found').getBoundingClientRect();
                const list = document.getElementById('messages').getBoundingClientRect();
                return found.top >= list.top && found.bottom <= list.bottom;"""));
        screenshot(dave, "search-found.png");
    }

    /** A PUBLIC room of the first user that the second has joined, open on both pages, with both online in it. */
    private long roomOfBoth(WebDriver first, String firstName, WebDriver second, String secondName) {
        Api api = api();
        long room = api.createRoom(browserUser(api, firstName), "PUBLIC");
        // members both: each one's member list then says whether the other is online, whoever subscribed first
        assertThat(api.put("/api/rooms/" + room + "/members/" + secondName, browserUser(api, secondName).token()).status())
            .isEqualTo(204);
        openRoom(first, room);
        openRoom(second, room);
        waitFor(first).until(ExpectedConditions.textToBe(By.id("online-count"), "2 online"));
        waitFor(second).until(ExpectedConditions.textToBe(By.id("online-count"), "2 online"));
        return room;
    }

    /** A user that signed up in a browser (signUp), logged in over REST too. */
    private static User browserUser(Api api, String name) {
        return new User(name, api.login(name, "browser-pass").json().get("accessToken").asString());
    }

    private static long unreadCount(Api api, User user, long room) {
        return api.get("/api/rooms?limit=1&after=" + (room - 1), user.token()).json().get(0).get("unreadCount").asLong();
    }

    /** Clicks the room in the list (which is drawn anew every few seconds) and waits until it is the open one. */
    private static void openRoom(WebDriver browser, long room) {
        click(browser, By.cssSelector(".room[data-room-id='" + room + "']"));
        waitFor(browser).ignoring(StaleElementReferenceException.class).until(d -> String.valueOf(room)
            .equals(d.findElement(By.cssSelector(".room[aria-current=true]")).getDomAttribute("data-room-id")));
    }

    /** A click that tries again while the element is being drawn anew or is not yet clickable. */
    private static void click(WebDriver browser, By target) {
        waitFor(browser).ignoring(StaleElementReferenceException.class).ignoring(ElementNotInteractableException.class)
            .until(d -> {
                d.findElement(target).click();
                return true;
            });
    }

    private static String message(long seq) {
        return "#messages .message[data-seq='" + seq + "']";
    }

    /** The seq of the stored message with this text, once it is shown. */
    private static long seqOf(WebDriver browser, String text) {
        return waitFor(browser).ignoring(StaleElementReferenceException.class)
            .until(d -> d.findElements(By.cssSelector(".message[data-seq]")).stream()
                .filter(e -> e.findElements(By.className("content")).stream().anyMatch(c -> c.getText().equals(text)))
                .map(e -> Long.valueOf(e.getDomAttribute("data-seq")))
                .findFirst()
                .orElse(null));
    }

    private static long connects(WebDriver browser) {
        return counter(browser, "connects");
    }

    private static long counter(WebDriver browser, String name) {
        return ((Number) ((JavascriptExecutor) browser).executeScript("return window.talkwire.state." + name)).longValue();
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private WebDriver browser() {
        return browser(port);
    }

    private WebDriver browser(int pagePort) {
        WebDriver driver = IDLE.isEmpty() ? newBrowser() : IDLE.pop();
        browsers.add(driver);
        driver.get("http://localhost:" + pagePort + "/");
        return driver;
    }

    private static WebDriver newBrowser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1200,800");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
        return new ChromeDriver(service, options);
    }

    private static String signUp(WebDriver browser, String prefix) {
        String name = Api.uniqueName(prefix);
        type(browser, "login-username", name);
        type(browser, "login-password", "browser-pass");
        browser.findElement(By.id("signup-button")).click();
        waitFor(browser).until(ExpectedConditions.textToBe(By.id("connection"), "Connected"));
        assertThat(browser.findElement(By.id("me")).getText()).isEqualTo(name);
        return name;
    }

    private static void say(WebDriver browser, String text) {
        WebElement input = browser.findElement(By.id("message-input"));
        input.sendKeys(text);
        input.sendKeys(Keys.ENTER);
    }

    private static void waitForMessage(WebDriver browser, String text) {
        // messages are drawn anew when edited or deleted: an element found a moment ago may be gone
        waitFor(browser).ignoring(StaleElementReferenceException.class).until(d -> d.findElements(By.cssSelector(".message[data-seq] .content")).stream()
            .anyMatch(e -> e.getText().equals(text)));
    }

    private static WebElement lastMessage(WebDriver browser) {
        List<WebElement> messages = browser.findElements(By.cssSelector(".message[data-seq]"));
        return messages.get(messages.size() - 1);
    }

    private static void type(WebDriver browser, String id, String text) {
        WebElement input = browser.findElement(By.id(id));
        input.clear();
        input.sendKeys(text);
    }

    private static WebDriverWait waitFor(WebDriver browser) {
        return waitFor(browser, Duration.ofSeconds(15));
    }

    /** Looks every 50 ms (WebDriverWait's own default is 500 ms, which most waits here would spend in full). */
    private static WebDriverWait waitFor(WebDriver browser, Duration timeout) {
        return new WebDriverWait(browser, timeout, Duration.ofMillis(50));
    }

    private static void screenshot(WebDriver browser, String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", "screenshots", name);
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }
}

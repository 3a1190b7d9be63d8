package io.talkwire.web;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
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

    private final List<WebDriver> browsers = new ArrayList<>();

    @BeforeEach
    void requireChromium() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!installed && System.getenv("CI") != null) {
            fail("Chromium and chromedriver are required in CI (.ci/run installs packages chromium and chromium-driver)");
        }
        Assumptions.assumeTrue(installed, "browser tests skipped: install Debian's chromium and chromium-driver to run them");
    }

    @AfterEach
    void closeBrowsers() {
        browsers.forEach(WebDriver::quit);
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
        String roomId = alice.findElement(By.cssSelector(".room[aria-current=true]")).getDomAttribute("data-room-id");
        WebElement bobsRoom = waitFor(bob).until(ExpectedConditions.elementToBeClickable(By.cssSelector(".room[data-room-id='" + roomId + "']")));
        bobsRoom.click();
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
        waitFor(bob).until(ExpectedConditions.elementToBeClickable(By.cssSelector(".room[data-room-id='" + room + "']"))).click();
        for (int i = 1; i <= 3; i++) {
            api.post("/api/rooms/" + room + "/messages", alice.token(), "{\"content\":\"message " + i + "\"}");
        }
        waitForMessage(bob, "message 3");

        ((JavascriptExecutor) bob).executeScript("window.talkwire.dropConnection()");
        waitFor(bob).until(ExpectedConditions.textToBePresentInElementLocated(By.id("connection"), "lost"));
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

    private WebDriver browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1200,800");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
        WebDriver driver = new ChromeDriver(service, options);
        browsers.add(driver);
        driver.get("http://localhost:" + port + "/");
        return driver;
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
        waitFor(browser).until(d -> d.findElements(By.cssSelector(".message[data-seq] .content")).stream()
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
        return new WebDriverWait(browser, Duration.ofSeconds(15));
    }

    private static void screenshot(WebDriver browser, String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", "screenshots", name);
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }
}

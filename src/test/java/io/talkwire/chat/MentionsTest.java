package io.talkwire.chat;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@link Mentions} reads as {@code @username} in a text, and whom it then tells. */
class MentionsTest {

    @Test
    void namesAfterAnAtThatEndsNoWordInAnyCase() {
        assertThat(Mentions.find("hi @Bob_1, (@carol-2) and @dave.x!")).containsExactly(
                List.of("bob_1"), List.of("carol-2"), List.of("dave.x"));
        assertThat(Mentions.find("@bob")).containsExactly(List.of("bob"));
        assertThat(Mentions.find("line\n@bob")).containsExactly(List.of("bob"));
    }

    @Test
    void noMention() {
        assertThat(Mentions.find("no at sign at all")).isEmpty();
        assertThat(Mentions.find("write to email@bob or x_@bob or été@bob or 4@bob")).isEmpty();
        assertThat(Mentions.find("@ab is too short, @" + "a".repeat(33) + " too long, @ alone, @@")).isEmpty();
        assertThat(Mentions.find("@bob@carol")).containsExactly(List.of("bob"));
    }

    @Test
    void dotsAtTheEndMayEndASentence() {
        assertThat(Mentions.find("thanks @bob.")).containsExactly(List.of("bob.", "bob"));
        assertThat(Mentions.find("well @bob...")).containsExactly(List.of("bob...", "bob"));
        assertThat(Mentions.find("@ab.")).containsExactly(List.of("ab."));
    }

    @Test
    void eachNameOnceAndAtMostTwentyNames() {
        assertThat(Mentions.find("@bob @BOB @bob")).containsExactly(List.of("bob"));
        String many = IntStream.range(0, 30).mapToObj(i -> "@user" + i).collect(Collectors.joining(" "));
        assertThat(Mentions.find(many)).hasSize(Mentions.MAX_NAMES).first().isEqualTo(List.of("user0"));
    }

    @Test
    void theSenderIsNeverLookedUpNorTold() {
        assertThat(Mentions.lookups(Mentions.find("@alice and @bob"), "alice")).containsExactly("bob");
        assertThat(Mentions.lookups(Mentions.find("note to @alice"), "alice")).isEmpty();
        assertThat(Mentions.mentioned(Mentions.find("@alice. @bob"), "alice", Set.of("bob"))).containsExactly("bob");
    }

    @Test
    void eachMentionStandsForItsLongestMember() {
        assertThat(Mentions.mentioned(Mentions.find("thanks @bob."), "alice", Set.of("bob"))).containsExactly("bob");
        assertThat(Mentions.mentioned(Mentions.find("thanks @bob."), "alice", Set.of("bob", "bob.")))
            .containsExactly("bob.");
        assertThat(Mentions.mentioned(Mentions.find("@carol @bob"), "alice", Set.of("bob"))).containsExactly("bob");
    }
}

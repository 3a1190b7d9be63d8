package io.talkwire;

/** What PostgreSQL's {@code text} stores exactly as sent: shared by message content and room names. */
public final class Text {

    private Text() {
    }

    /**
     * Whether the text would come back from PostgreSQL as it is: no U+0000 (which {@code text} cannot hold) and no
     * lone surrogate (which UTF-8 cannot encode: it would be stored as {@code ?}).
     */
    public static boolean storable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\0') {
                return false;
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            }
            else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}

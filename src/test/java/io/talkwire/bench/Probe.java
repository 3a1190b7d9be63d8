package io.talkwire.bench;

/** What each benchmark message carries: who sent it, its number, and when (this JVM's nanoTime). */
record Probe(int publisher, int n, long sentNanos) {

    String body() {
        return "{\"content\":\"probe:" + publisher + ":" + n + ":" + sentNanos + "\"}";
    }

    /** The probe in a MESSAGE body, or null in a body without one. */
    static Probe parse(String body) {
        int at = body.indexOf("probe:");
        if (at < 0) {
            return null;
        }
        int end = body.indexOf('"', at);
        String[] parts = body.substring(at + 6, end).split(":");
        return new Probe(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Long.parseLong(parts[2]));
    }
}

package io.medhook.sandbox.execution;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Console output of one execution, capped in UTF-8 bytes. Each entry also costs one byte, so a script cannot pile up
 * unlimited empty lines. What does not fit is dropped and {@link #truncated()} turns true; the entry that crosses the
 * cap is cut at a code point boundary.
 */
final class LogCollector {

    private final int capBytes;
    private final List<String> entries = new ArrayList<>();
    private int usedBytes;
    private boolean truncated;

    LogCollector(int capBytes) {
        this.capBytes = capBytes;
    }

    synchronized void add(String line) {
        if (truncated) {
            return;
        }
        int room = capBytes - usedBytes - 1;
        if (room < 0) {
            truncated = true;
            return;
        }
        byte[] utf8 = line.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= room) {
            entries.add(line);
            usedBytes += utf8.length + 1;
            return;
        }
        String cut = prefixWithin(line, room);
        entries.add(cut);
        usedBytes += cut.getBytes(StandardCharsets.UTF_8).length + 1;
        truncated = true;
    }

    synchronized List<String> entries() {
        return List.copyOf(entries);
    }

    synchronized boolean truncated() {
        return truncated;
    }

    /** The longest prefix of {@code s} whose UTF-8 encoding fits in {@code maxBytes}, never splitting a pair. */
    static String prefixWithin(String s, int maxBytes) {
        int bytes = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + len > maxBytes) {
                break;
            }
            bytes += len;
            i += Character.charCount(cp);
        }
        return s.substring(0, i);
    }
}

package io.medhook.common.problem;

/**
 * Describes a throwable for logs without its messages, which may carry payload fragments, SQL parameters or secrets:
 * the chain of exception classes and the top stack frames of each.
 */
public final class SafeThrowables {

    private static final int FRAMES = 6;

    private SafeThrowables() {
    }

    public static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        Throwable t = e;
        int depth = 0;
        while (t != null && depth < 5) {
            if (depth > 0) {
                sb.append(" <- caused by ");
            }
            sb.append(t.getClass().getName());
            StackTraceElement[] frames = t.getStackTrace();
            for (int i = 0; i < Math.min(FRAMES, frames.length); i++) {
                sb.append("\n\tat ").append(frames[i]);
            }
            t = t.getCause() == t ? null : t.getCause();
            depth++;
        }
        return sb.toString();
    }
}

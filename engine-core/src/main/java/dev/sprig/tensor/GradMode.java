package dev.sprig.tensor;

/**
 * Whether operations record an autograd graph on this thread.
 *
 * <pre>{@code
 * try (GradMode.Scope s = GradMode.noGrad()) {
 *     Tensor y = model.forward(x); // no graph is recorded, nothing is saved for backward
 * }
 * }</pre>
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {}

    /** True when operations on this thread record the graph. */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** Disables graph recording on this thread until the returned scope is closed; scopes nest. */
    public static Scope noGrad() {
        return set(false);
    }

    /** Enables graph recording on this thread until the returned scope is closed (e.g. inside a no-grad scope). */
    public static Scope enableGrad() {
        return set(true);
    }

    private static Scope set(boolean enabled) {
        boolean[] cell = ENABLED.get();
        boolean previous = cell[0];
        cell[0] = enabled;
        return new Scope(previous);
    }

    /** Restores the previous grad mode on close. */
    public static final class Scope implements AutoCloseable {
        private final boolean previous;
        private boolean closed;

        private Scope(boolean previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                ENABLED.get()[0] = previous;
            }
        }
    }
}

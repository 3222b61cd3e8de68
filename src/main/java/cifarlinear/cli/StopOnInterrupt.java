package cifarlinear.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Turns Ctrl-C (SIGINT) and SIGTERM into a request to stop between two training steps; a second
 * signal ends the program at once. The previous handlers come back on {@link #close}.
 */
final class StopOnInterrupt implements BooleanSupplier, AutoCloseable {
    private static final String[] SIGNALS = {"INT", "TERM"};

    private final AtomicReference<Signal> received = new AtomicReference<>();
    private final SignalHandler[] previous = new SignalHandler[SIGNALS.length];

    StopOnInterrupt() {
        for (int i = 0; i < SIGNALS.length; i++) {
            previous[i] = Signal.handle(new Signal(SIGNALS[i]), signal -> {
                if (!received.compareAndSet(null, signal)) {
                    Runtime.getRuntime().halt(128 + signal.getNumber());
                }
            });
        }
    }

    @Override
    public boolean getAsBoolean() {
        return received.get() != null;
    }

    /** The exit code that tells the shell which signal stopped the run: 128 + its number (130 for Ctrl-C). */
    int exitCode() {
        Signal s = received.get();
        return 128 + (s == null ? 2 : s.getNumber());
    }

    @Override
    public void close() {
        for (int i = 0; i < SIGNALS.length; i++) {
            Signal.handle(new Signal(SIGNALS[i]), previous[i]);
        }
    }
}

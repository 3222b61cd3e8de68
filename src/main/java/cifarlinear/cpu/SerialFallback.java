package cifarlinear.cpu;

/**
 * Whether training steps run on the pool's threads or all on the calling thread, from how long the
 * steps take. Where other work keeps the machine's cores busy, a thread of a step waits for a core
 * now and then, and the others wait for it at every hand-off (twice a step), so that threads can
 * take several times as long as one thread doing every piece. The same pieces run either way, so
 * the weights are the same bit for bit.
 *
 * <p>Steps of a whole batch are measured in windows of {@link #WINDOW}. Whether the threads are
 * suspect goes by a window's median step, so that a few slow steps (slowed by a garbage
 * collection or by the end of an epoch) do not start a trial; which way is faster goes by its mean
 * step without the longest one, which counts every step that waited for a thread (a thread whose
 * core the machine gives to other work now and then, for a whole time slice, delays a few steps
 * by far more than the median sees):
 * <ol>
 *   <li>on the threads, a window whose median step took more than {@link #SUSPECT} of the median
 *       of what the pool estimates one thread would have taken for the same pieces
 *       ({@link WorkerPool#serialGuessNanos}) starts a trial, as does one in which the calling
 *       thread took over pieces of more than half of the steps ({@link WorkerPool#takesOver}):
 *       then the steps take about as long as the calling thread's estimate, however long the
 *       threads would have taken;</li>
 *   <li>a window of trial on the calling thread, which goes on where its mean step took less
 *       than {@link #CONFIRM} of the threads' one, the mean of their windows since the steps last
 *       went back to them; a trial started by pieces taken over needs no margin, only to be
 *       shorter: the other thread was missing from most steps, so that the threads gain little,
 *       and a window in which it was missing throughout is as fast as one thread alone, while in
 *       others steps wait for it;</li>
 *   <li>a window on the threads again, so that a slow spell of the threads alone (the JIT
 *       compiling, another program's burst) does not send the steps over to the calling thread;
 *       where the trial's mean is less than {@link #CONFIRM} of this one too (or less than this one,
 *       as before, or the other thread is still missing from most steps), the steps stay on the
 *       calling thread for a while (the first stay, each stay that follows twice as long as the
 *       one before up to the longest) and then go back to step 1.</li>
 * </ol>
 * A window on the threads that starts no trial resets the stays to the first. A trial that the
 * threads won (at step 2 or 3) does too, and the next trial waits for twice as many windows as the
 * last one did (up to {@link #MAX_WAIT}). The first {@link #SETTLE} steps after each change to the
 * threads are not measured: the threads catch up in them.
 */
final class SerialFallback {
    /** Steps per measurement. */
    static final int WINDOW = 16;
    /** Steps not measured after going over to the threads, while they catch up. */
    static final int SETTLE = 4;
    /** The threads are suspect where a step takes more than this fraction of the estimate for one thread. */
    static final double SUSPECT = 1.0;
    /** The calling thread alone takes over where its steps took less than this fraction of the threads' ones. */
    static final double CONFIRM = 0.9;
    /** The most windows between a trial that the threads won and the next. */
    static final int MAX_WAIT = 128;

    /** On the threads; a trial on the calling thread; on the threads again, to compare; on the calling thread. */
    private enum Mode { THREADS, TRIAL, RECHECK, CALLER }

    private final long firstStay;
    private final long longestStay;
    private long stay;
    private final long[] stepNanos = new long[WINDOW];
    private final long[] guessNanos = new long[WINDOW];
    private Mode mode = Mode.THREADS;
    private int steps;
    private int takenOver;
    private int settling;
    private long threadsMean;
    /** The sum and count of the mean steps of the windows on the threads since the steps last went back to them. */
    private long threadsMeans;
    private int threadsWindows;
    /** Whether the trial under way was started by pieces taken over, rather than by slow steps. */
    private boolean missing;
    private long trialMean;
    private long callerUntil;
    private int wait = 1;
    private int skip;
    private int spells;

    /**
     * @param firstStay   how long steps stay on the calling thread once a trial showed it faster
     * @param longestStay the longest stay: each stay that follows one that ended in a trial the
     *                    calling thread won again is twice as long as that one, up to this
     */
    SerialFallback(long firstStay, long longestStay) {
        this.firstStay = firstStay;
        this.longestStay = longestStay;
        this.stay = firstStay;
    }

    /** Whether the next step runs on the calling thread alone. */
    boolean onCaller() {
        return mode == Mode.TRIAL || mode == Mode.CALLER;
    }

    /** Whether the steps stay on the calling thread for now, after a trial showed it faster (not in a trial). */
    boolean staying() {
        return mode == Mode.CALLER;
    }

    /** How many times steps went over to the calling thread alone. */
    int spells() {
        return spells;
    }

    /**
     * A step of a whole batch took {@code nanos}, run as {@link #onCaller} said; on threads, the pool
     * estimates that one thread would have done its pieces in {@code guessNanos}, and the calling
     * thread took over a piece of it or not ({@code tookOver}). {@code now} is
     * {@link System#nanoTime}.
     */
    void step(long nanos, long guessNanos, boolean tookOver, long now) {
        if (mode == Mode.CALLER) {
            if (now - callerUntil >= 0) {
                change(Mode.THREADS);
            }
            return;
        }
        if (settling > 0) {
            settling--; // the first steps on threads after a change, while they catch up
            return;
        }
        stepNanos[steps] = nanos;
        this.guessNanos[steps] = guessNanos;
        takenOver += tookOver ? 1 : 0;
        if (++steps < WINDOW) {
            return;
        }
        steps = 0;
        boolean mostTakenOver = 2 * takenOver > WINDOW;
        takenOver = 0;
        long median = median(stepNanos);
        long mean = meanButLongest(stepNanos);
        boolean slow = median > SUSPECT * median(this.guessNanos);
        switch (mode) {
            case THREADS -> {
                threadsMeans += mean;
                threadsWindows++;
                if (skip > 0) {
                    skip--;
                } else if (slow || mostTakenOver) {
                    threadsMean = threadsMeans / threadsWindows;
                    missing = !slow;
                    change(Mode.TRIAL);
                } else {
                    stay = firstStay;
                }
            }
            case TRIAL -> {
                if (mean < confirm() * threadsMean) {
                    trialMean = mean;
                    change(Mode.RECHECK);
                } else {
                    lost();
                }
            }
            case RECHECK -> {
                if (trialMean < confirm() * mean || missing && mostTakenOver) {
                    change(Mode.CALLER);
                    callerUntil = now + stay;
                    stay = Math.min(2 * stay, longestStay);
                    wait = 1;
                    spells++;
                } else {
                    lost();
                }
            }
            default -> throw new IllegalStateException(mode.name());
        }
    }

    /** How much shorter the calling thread's steps must be than the threads' ones for it to take over. */
    private double confirm() {
        return missing ? 1.0 : CONFIRM;
    }

    /** The calling thread alone was no faster: back to the threads, and a longer wait before the next trial. */
    private void lost() {
        change(Mode.THREADS);
        stay = firstStay;
        skip = wait;
        wait = Math.min(2 * wait, MAX_WAIT);
    }

    private void change(Mode to) {
        mode = to;
        steps = 0;
        takenOver = 0;
        if (to == Mode.THREADS) {
            threadsMeans = 0;
            threadsWindows = 0;
        }
        settling = to == Mode.THREADS || to == Mode.RECHECK ? SETTLE : 0;
    }

    /** The median of a window's values (sorted in place; the window is measured again from scratch). */
    private static long median(long[] values) {
        java.util.Arrays.sort(values);
        return (values[WINDOW / 2 - 1] + values[WINDOW / 2]) / 2;
    }

    /** The mean of a window's values without the largest one. */
    private static long meanButLongest(long[] values) {
        long sum = 0;
        long longest = Long.MIN_VALUE;
        for (long v : values) {
            sum += v;
            longest = Math.max(longest, v);
        }
        return (sum - longest) / (WINDOW - 1);
    }
}

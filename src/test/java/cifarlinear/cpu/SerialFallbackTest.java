package cifarlinear.cpu;

import org.junit.jupiter.api.Test;

import static cifarlinear.cpu.SerialFallback.SETTLE;
import static cifarlinear.cpu.SerialFallback.WINDOW;
import static org.assertj.core.api.Assertions.assertThat;

/** The decisions of {@link SerialFallback}, fed step times as a busy or a quiet machine would give them. */
class SerialFallbackTest {
    private static final long FIRST = 50_000_000;
    private static final long LONGEST = 400_000_000;
    private final SerialFallback fallback = new SerialFallback(FIRST, LONGEST);
    private long now = 1_000_000_000;

    /** {@code count} steps of {@code nanos} each, with that estimate for one thread; the clock advances by each. */
    private void steps(int count, long nanos, long guess) {
        takenOver(count, 0, nanos, guess);
    }

    /** {@code count} steps as {@link #steps}, the calling thread taking over pieces of the first {@code taken}. */
    private void takenOver(int count, int taken, long nanos, long guess) {
        for (int i = 0; i < count; i++) {
            now += nanos;
            fallback.step(nanos, guess, i < taken, now);
        }
    }

    /**
     * A window on the threads slow against the estimate (after the steps that settle them, where they
     * just took over from the caller), the trial faster, and the threads as slow again.
     */
    private void busyCycle(boolean settle) {
        assertThat(fallback.onCaller()).isFalse();
        steps((settle ? SETTLE : 0) + WINDOW, 1_000_000, 200_000);
        assertThat(fallback.onCaller()).as("a trial").isTrue();
        steps(WINDOW, 300_000, 0);
        assertThat(fallback.onCaller()).as("the threads again, to compare").isFalse();
        steps(SETTLE + WINDOW, 1_000_000, 200_000);
    }

    @Test
    void threadsFasterThanTheEstimateForOneThreadStayOnTheThreads() {
        steps(100 * WINDOW, 100_000, 190_000);
        assertThat(fallback.onCaller()).isFalse();
        assertThat(fallback.spells()).isZero();
    }

    @Test
    void busyThreadsHandTheStepsToTheCallerForLongerEachTime() {
        long stay = FIRST;
        for (int spell = 1; spell <= 5; spell++) {
            busyCycle(spell > 1);
            assertThat(fallback.onCaller()).as("spell %d", spell).isTrue();
            assertThat(fallback.spells()).isEqualTo(spell);
            long until = now + stay;
            while (now + 300_000 < until) {
                steps(1, 300_000, 0);
                assertThat(fallback.onCaller()).as("spell %d, %d ns before its end", spell, until - now).isTrue();
            }
            steps(1, 300_000, 0);
            assertThat(fallback.onCaller()).as("after spell %d", spell).isFalse();
            stay = Math.min(2 * stay, LONGEST);
        }
        assertThat(stay).isEqualTo(LONGEST);
    }

    @Test
    void aQuietWindowAfterAStayMakesTheNextStayTheFirstAgain() {
        busyCycle(false);
        steps(1, FIRST, 0); // the first stay
        busyCycle(true);
        steps(1, 2 * FIRST - 1, 0);
        assertThat(fallback.onCaller()).as("the second stay, twice as long").isTrue();
        steps(1, 1, 0);
        assertThat(fallback.onCaller()).isFalse();
        steps(SETTLE + WINDOW, 100_000, 190_000); // the machine is quiet again
        busyCycle(false);
        assertThat(fallback.spells()).isEqualTo(3);
        steps(1, FIRST - 1, 0);
        assertThat(fallback.onCaller()).isTrue();
        steps(1, 1, 0);
        assertThat(fallback.onCaller()).as("after the first stay's length").isFalse();
    }

    /**
     * Threads slow for one window only (the JIT compiling, say) leave the steps on the threads, as
     * does a trial on the caller that is no faster than the threads.
     */
    @Test
    void aSlowSpellOfTheThreadsAloneLeavesTheStepsOnTheThreads() {
        steps(WINDOW, 1_000_000, 200_000);
        assertThat(fallback.onCaller()).isTrue();
        steps(WINDOW, 300_000, 0);
        assertThat(fallback.onCaller()).isFalse();
        steps(SETTLE + WINDOW, 100_000, 190_000);
        assertThat(fallback.onCaller()).isFalse();
        assertThat(fallback.spells()).isZero();
        // The next trial waits a window, then two, then four.
        for (int wait = 1; wait <= 4; wait *= 2) {
            steps(SETTLE + wait * WINDOW, 1_000_000, 200_000);
            assertThat(fallback.onCaller()).as("after waiting %d windows", wait).isFalse();
            steps(WINDOW, 1_000_000, 200_000);
            assertThat(fallback.onCaller()).as("a trial after %d windows", wait).isTrue();
            steps(WINDOW, 980_000, 0); // no faster
            assertThat(fallback.onCaller()).isFalse();
        }
        assertThat(fallback.spells()).isZero();
    }

    /**
     * Where the calling thread takes over the other thread's pieces, a step takes about as long as
     * its estimate: a window in which it took over pieces of more than half of the steps starts a
     * trial all the same, one with half or fewer does not.
     */
    @Test
    void piecesTakenOverInMostStepsOfAWindowStartATrial() {
        for (int w = 0; w < 10; w++) {
            takenOver(WINDOW, WINDOW / 2, 200_000, 200_000);
            assertThat(fallback.onCaller()).as("after window %d", w).isFalse();
        }
        takenOver(WINDOW, WINDOW / 2 + 1, 200_000, 200_000);
        assertThat(fallback.onCaller()).as("a trial").isTrue();
        steps(WINDOW, 195_000, 0); // a little faster than the threads: enough, the other thread being missing
        assertThat(fallback.onCaller()).as("the threads again, to compare").isFalse();
        takenOver(SETTLE + WINDOW, SETTLE + WINDOW, 200_000, 200_000);
        assertThat(fallback.onCaller()).isTrue();
        assertThat(fallback.spells()).isEqualTo(1);
    }

    /**
     * The trial is judged against the threads' windows since the steps last went back to them, not
     * only the window that started it: there the other thread was missing throughout, so its steps
     * were as fast as one thread's, while in the window before they waited for it now and then.
     */
    @Test
    void theTrialIsJudgedAgainstTheThreadsWindowsSinceTheyHadTheSteps() {
        for (int i = 0; i < WINDOW; i++) {
            takenOver(1, i % 2, i % 4 == 3 ? 800_000 : 200_000, 200_000); // half taken over: no trial
        }
        assertThat(fallback.onCaller()).isFalse();
        takenOver(WINDOW, WINDOW, 200_000, 200_000); // missing throughout: a trial
        assertThat(fallback.onCaller()).as("a trial").isTrue();
        steps(WINDOW, 250_000, 0); // slower than this window, faster than the two
        takenOver(SETTLE + WINDOW, SETTLE + WINDOW, 200_000, 200_000); // still missing
        assertThat(fallback.onCaller()).isTrue();
        assertThat(fallback.spells()).isEqualTo(1);
    }

    /** Where slow steps started the trial, the calling thread must be faster by a margin. */
    @Test
    void aTrialStartedBySlowStepsNeedsAMargin() {
        takenOver(WINDOW, WINDOW, 300_000, 200_000);
        assertThat(fallback.onCaller()).as("a trial").isTrue();
        steps(WINDOW, 295_000, 0);
        takenOver(SETTLE + WINDOW, SETTLE + WINDOW, 300_000, 200_000); // a recheck would end on the caller
        assertThat(fallback.onCaller()).as("lost: a window's wait on the threads").isFalse();
        assertThat(fallback.spells()).isZero();
    }

    /**
     * Which way is faster goes by the mean step without the longest: threads whose median step is
     * short but whose every fourth step waits four times as long for a thread lose to a calling
     * thread a little slower than their median, even with one step of its trial slowed far more.
     */
    @Test
    void theTrialGoesByTheMeanStepWithoutTheLongest() {
        threadsWaitingNowAndThen(0);
        assertThat(fallback.onCaller()).as("a trial").isTrue();
        steps(WINDOW - 1, 250_000, 0);
        steps(1, 10_000_000, 0); // a garbage collection, say
        assertThat(fallback.onCaller()).as("the threads again, to compare").isFalse();
        threadsWaitingNowAndThen(SETTLE);
        assertThat(fallback.onCaller()).isTrue();
        assertThat(fallback.spells()).isEqualTo(1);
    }

    /**
     * {@code settle} steps, then a window on the threads: pieces taken over in all of its steps,
     * three of each four of 200 µs, the fourth of 800 µs (a mean of 320 µs without the longest).
     */
    private void threadsWaitingNowAndThen(int settle) {
        takenOver(settle, settle, 200_000, 200_000);
        for (int i = 0; i < WINDOW; i++) {
            takenOver(1, 1, i % 4 == 3 ? 800_000 : 200_000, 200_000);
        }
    }

    /** Steps slowed by a garbage collection or the end of an epoch do not count: the median decides. */
    @Test
    void aFewSlowStepsInAWindowStartNoTrial() {
        for (int w = 0; w < 10; w++) {
            steps(WINDOW / 2 - 1, 10_000_000, 190_000);
            steps(WINDOW / 2 + 1, 100_000, 190_000);
            assertThat(fallback.onCaller()).as("after window %d", w).isFalse();
        }
    }
}

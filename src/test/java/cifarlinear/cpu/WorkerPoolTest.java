package cifarlinear.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkerPoolTest {
    @Test
    void runsEveryPieceOncePerCall() {
        try (WorkerPool pool = new WorkerPool(4)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(4);
            for (int call = 0; call < 2000; call++) {
                pool.run((part, parts) -> {
                    assertThat(parts).isEqualTo(4);
                    hits.incrementAndGet(part);
                });
            }
            for (int p = 0; p < 4; p++) {
                assertThat(hits.get(p)).isEqualTo(2000);
            }
        }
    }

    @Test
    void runsEveryChunkOnceWithAThreadsOwnIndex() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int chunks : new int[] {0, 1, 2, 3, 7, 100}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, chunks));
                AtomicIntegerArray busy = new AtomicIntegerArray(3);
                for (int call = 0; call < 200; call++) {
                    pool.runChunks(chunks, (chunk, worker) -> {
                        // No two chunks at once on one worker index: its scratch memory is its own.
                        assertThat(busy.incrementAndGet(worker)).isEqualTo(1);
                        hits.incrementAndGet(chunk);
                        busy.decrementAndGet(worker);
                    });
                }
                for (int c = 0; c < chunks; c++) {
                    assertThat(hits.get(c)).as("chunk %d of %d", c, chunks).isEqualTo(200);
                }
            }
            assertThatThrownBy(() -> pool.runChunks(5, (chunk, worker) -> {
                if (chunk == 3) {
                    throw new IllegalArgumentException("chunk 3 failed");
                }
            })).isInstanceOf(IllegalArgumentException.class).hasMessage("chunk 3 failed");
        }
    }

    @Test
    void passesOnAWorkersFailureAndKeepsWorking() {
        try (WorkerPool pool = new WorkerPool(3)) {
            assertThatThrownBy(() -> pool.run((part, parts) -> {
                if (part == 2) {
                    throw new IllegalStateException("piece 2 failed");
                }
            })).isInstanceOf(IllegalStateException.class).hasMessage("piece 2 failed");
            int[] sum = new int[3];
            pool.run((part, parts) -> sum[part] = part + 1);
            assertThat(sum).containsExactly(1, 2, 3);
        }
    }

    /**
     * A serial pool runs the pieces of as many threads, in order, all on the calling thread; a
     * piece that fails does not keep the others from running, and the first failure is passed on.
     */
    @Test
    void aSerialPoolRunsEveryPieceOnTheCallingThreadInOrder() {
        try (WorkerPool pool = WorkerPool.serial(3)) {
            assertThat(pool.parts()).isEqualTo(3);
            List<Integer> order = new ArrayList<>();
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            pool.run((part, parts) -> {
                assertThat(parts).isEqualTo(3);
                order.add(part);
                threads.add(Thread.currentThread());
            });
            assertThat(order).containsExactly(0, 1, 2);
            order.clear();
            pool.runChunks(7, (chunk, worker) -> {
                order.add(chunk);
                threads.add(Thread.currentThread());
            });
            assertThat(order).containsExactly(0, 1, 2, 3, 4, 5, 6);
            assertThat(threads).containsExactly(Thread.currentThread());
            order.clear();
            assertThatThrownBy(() -> pool.run((part, parts) -> {
                order.add(part);
                if (part > 0) {
                    throw new IllegalStateException("piece " + part + " failed");
                }
            })).isInstanceOf(IllegalStateException.class).hasMessage("piece 1 failed");
            assertThat(order).containsExactly(0, 1, 2);
        }
    }

    /**
     * While the calling thread waits for the workers, and while the workers wait for the next task,
     * each runs pieces of its own part of the idle work, on the thread that runs that part's
     * pieces of the tasks, until the work says there is no more for this wait.
     */
    @Test
    void runsEachThreadsIdleWorkWhileItWaits() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(3)) {
            List<Set<Thread>> taskThreads = List.of(ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet(),
                    ConcurrentHashMap.newKeySet());
            List<Set<Thread>> idleThreads = List.of(ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet(),
                    ConcurrentHashMap.newKeySet());
            AtomicIntegerArray pieces = new AtomicIntegerArray(3);
            pool.whileWaiting(part -> {
                idleThreads.get(part).add(Thread.currentThread());
                return pieces.incrementAndGet(part) % 5 != 0; // at most five pieces a wait
            });
            int calls = 20;
            for (int call = 0; call < calls; call++) {
                pool.run(workersRunTheirs(3, (part, parts) -> {
                    taskThreads.get(part).add(Thread.currentThread());
                    if (part > 0) {
                        sleep(1); // the caller waits for the workers
                    }
                }));
                Thread.sleep(1); // the workers wait for the next task
            }
            assertThat(taskThreads.get(0)).containsExactly(Thread.currentThread());
            for (int p = 0; p < 3; p++) {
                assertThat(idleThreads.get(p)).as("the threads of part %d's idle work", p)
                        .hasSize(1).isEqualTo(taskThreads.get(p));
                // Each of the caller's 20 waits, and each of a worker's 21, ends the work after five pieces.
                assertThat(pieces.get(p)).as("part %d's pieces", p).isBetween(1, 5 * (calls + 1));
            }
        }
    }

    /** Idle work that fails fails the run during which or before which it failed; the pool goes on. */
    @Test
    void passesOnAFailureOfIdleWork() {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicBoolean failed = new AtomicBoolean();
            pool.whileWaiting(part -> {
                if (part == 0 && failed.compareAndSet(false, true)) {
                    throw new IllegalStateException("idle work failed");
                }
                return false;
            });
            assertThatThrownBy(() -> pool.run(workersRunTheirs(2, (part, parts) -> {
                if (part == 1) {
                    sleep(5); // the caller waits, and runs its idle work
                }
            }))).isInstanceOf(IllegalStateException.class).hasMessage("idle work failed");
            int[] sum = new int[2];
            pool.run((part, parts) -> sum[part] = part + 1);
            assertThat(sum).containsExactly(1, 2);
        }
    }

    /**
     * On the caller, a pool of threads runs the pieces and chunks as a serial pool does, all on the
     * calling thread in order; back on the threads, the workers run theirs again.
     */
    @Test
    void runsEveryPieceOnTheCallingThreadWhileAskedTo() {
        try (WorkerPool pool = new WorkerPool(3)) {
            pool.runOnCaller(true);
            assertThat(pool.onCaller()).isTrue();
            List<Integer> order = new ArrayList<>();
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            for (int call = 0; call < 50; call++) {
                pool.run((part, parts) -> {
                    assertThat(parts).isEqualTo(3);
                    order.add(part);
                    threads.add(Thread.currentThread());
                });
                pool.runChunks(5, (chunk, worker) -> {
                    order.add(10 + chunk);
                    threads.add(Thread.currentThread());
                });
                assertThat(order).containsExactly(0, 1, 2, 10, 11, 12, 13, 14);
                order.clear();
            }
            assertThat(threads).containsExactly(Thread.currentThread());
            pool.runOnCaller(false);
            assertThat(pool.onCaller()).isFalse();
            List<Set<Thread>> byPart = List.of(ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet(),
                    ConcurrentHashMap.newKeySet());
            pool.run(workersRunTheirs(3, (part, parts) -> byPart.get(part).add(Thread.currentThread())));
            assertThat(byPart.get(0)).containsExactly(Thread.currentThread());
            assertThat(byPart.get(1)).doesNotContain(Thread.currentThread());
            assertThat(byPart.get(2)).doesNotContain(Thread.currentThread()).doesNotContainAnyElementsOf(byPart.get(1));
        }
    }

    /**
     * A worker's idle work is that of its pieces, so it does none while the calling thread runs the
     * pieces (not even what it had begun when the caller took over); it resumes on the threads.
     */
    @Test
    void workersDoNoIdleWorkWhileTheCallerRunsThePieces() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(3)) {
            AtomicBoolean callerRuns = new AtomicBoolean();
            AtomicIntegerArray pieces = new AtomicIntegerArray(3);
            AtomicIntegerArray whileOnCaller = new AtomicIntegerArray(3);
            pool.whileWaiting(part -> {
                if (callerRuns.get() && part > 0) {
                    whileOnCaller.incrementAndGet(part);
                }
                pieces.incrementAndGet(part);
                sleep(1);
                return true; // always more: only a new task ends a worker's idle work
            });
            pool.run((part, parts) -> { });
            Thread.sleep(20); // the workers are in their idle work
            assertThat(pieces.get(1)).isPositive();
            pool.runOnCaller(true);
            callerRuns.set(true);
            for (int call = 0; call < 20; call++) {
                pool.run((part, parts) -> sleep(1));
            }
            Thread.sleep(20);
            callerRuns.set(false);
            assertThat(whileOnCaller.get(1)).isZero();
            assertThat(whileOnCaller.get(2)).isZero();
            int before = pieces.get(1) + pieces.get(2);
            pool.runOnCaller(false);
            pool.run((part, parts) -> { });
            Thread.sleep(20);
            assertThat(pieces.get(1) + pieces.get(2)).isGreaterThan(before);
        }
    }

    /**
     * Idle work that failed before the calling thread takes over fails the change, and the threads
     * go on as they were, idle work and all.
     */
    @Test
    void aFailureOfIdleWorkFailsTheChangeAndLeavesTheThreadsAsTheyWere() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicBoolean armed = new AtomicBoolean();
            AtomicBoolean failed = new AtomicBoolean();
            AtomicIntegerArray pieces = new AtomicIntegerArray(2);
            pool.whileWaiting(part -> {
                pieces.incrementAndGet(part);
                if (part == 1 && armed.get() && failed.compareAndSet(false, true)) {
                    throw new IllegalStateException("idle work failed");
                }
                sleep(1);
                return true; // more until the next task
            });
            pool.run((part, parts) -> { });
            armed.set(true);
            Thread.sleep(20); // the worker's idle work has failed meanwhile
            assertThat(failed).isTrue();
            assertThatThrownBy(() -> pool.runOnCaller(true)).isInstanceOf(IllegalStateException.class)
                    .hasMessage("idle work failed");
            assertThat(pool.onCaller()).isFalse();
            int before = pieces.get(1);
            pool.run((part, parts) -> { });
            Thread.sleep(20);
            assertThat(pieces.get(1)).as("the worker's idle work goes on").isGreaterThan(before);
        }
    }

    /**
     * The estimate of a run on one thread: the calling thread's piece times the pieces, or its chunks'
     * time times the chunks over its share of them; nothing for runs on the calling thread.
     */
    @Test
    void estimatesARunOnOneThreadFromTheCallersShare() {
        try (WorkerPool pool = new WorkerPool(3)) {
            long before = pool.serialGuessNanos();
            pool.run((part, parts) -> {
                if (part == 0) {
                    sleep(4);
                }
            });
            long piece = pool.serialGuessNanos() - before;
            assertThat(piece).as("three pieces of at least 4 ms").isGreaterThanOrEqualTo(12_000_000);
            before = pool.serialGuessNanos();
            pool.runChunks(6, (chunk, worker) -> sleep(2));
            assertThat(pool.serialGuessNanos() - before).as("six chunks of at least 2 ms")
                    .isGreaterThanOrEqualTo(12_000_000);
            pool.runOnCaller(true);
            before = pool.serialGuessNanos();
            pool.run((part, parts) -> sleep(1));
            pool.runChunks(6, (chunk, worker) -> sleep(1));
            assertThat(pool.serialGuessNanos()).isEqualTo(before);
        }
    }

    /**
     * Workers that have not begun: the calling thread runs their pieces and chunks once it is done
     * with its own, passes on their failures, and does not wait for them; once they begin, they run
     * their pieces again. Every piece runs once per call throughout.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // where the run would wait for ever
    void takesOverThePiecesOfWorkersThatHaveNotBegun() {
        CountDownLatch gate = new CountDownLatch(1);
        try (WorkerPool pool = new WorkerPool(3, true, heldAt(gate))) {
            assertThat(pool.takesOver()).isTrue();
            AtomicIntegerArray hits = new AtomicIntegerArray(3);
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            for (int call = 0; call < 50; call++) {
                pool.run((part, parts) -> {
                    hits.incrementAndGet(part);
                    threads.add(Thread.currentThread());
                });
                pool.runChunks(5, (chunk, worker) -> threads.add(Thread.currentThread()));
            }
            assertThat(threads).containsExactly(Thread.currentThread());
            assertThat(hits.get(1)).isEqualTo(50);
            assertThat(hits.get(2)).isEqualTo(50);
            assertThatThrownBy(() -> pool.run((part, parts) -> {
                if (part == 2) {
                    throw new IllegalStateException("piece 2 failed");
                }
            })).isInstanceOf(IllegalStateException.class).hasMessage("piece 2 failed");
            gate.countDown();
            List<Set<Thread>> byPart = List.of(ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet(),
                    ConcurrentHashMap.newKeySet());
            for (int call = 0; call < 50; call++) {
                pool.run(workersRunTheirs(3, (part, parts) -> {
                    hits.incrementAndGet(part);
                    byPart.get(part).add(Thread.currentThread());
                }));
            }
            for (int p = 0; p < 3; p++) {
                assertThat(hits.get(p)).as("piece %d", p).isEqualTo(100);
            }
            assertThat(byPart.get(1)).hasSize(1).doesNotContain(Thread.currentThread());
            assertThat(byPart.get(2)).hasSize(1).doesNotContain(Thread.currentThread())
                    .doesNotContainAnyElementsOf(byPart.get(1));
        } finally {
            gate.countDown();
        }
    }

    /** A pool that does not take over waits for each worker to run its piece, however late it begins. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // where the run would wait for ever
    void withoutTakingOverWaitsForEveryWorker() throws InterruptedException {
        CountDownLatch gate = new CountDownLatch(1);
        try (WorkerPool pool = new WorkerPool(2, false, heldAt(gate))) {
            assertThat(pool.takesOver()).isFalse();
            List<Set<Thread>> byPart = List.of(ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet());
            Thread caller = Thread.ofPlatform().start(
                    () -> pool.run((part, parts) -> byPart.get(part).add(Thread.currentThread())));
            assertThat(caller.join(java.time.Duration.ofMillis(50))).as("the run ended before its worker began")
                    .isFalse();
            gate.countDown();
            caller.join();
            assertThat(byPart.get(0)).containsExactly(caller);
            assertThat(byPart.get(1)).hasSize(1).doesNotContain(caller);
        } finally {
            gate.countDown();
        }
    }

    /**
     * The calling thread does not take over a piece while its worker does idle work (which is that
     * piece's), and the worker does none while the calling thread runs the piece.
     */
    @Test
    void neverRunsAPieceAlongsideItsWorkersIdleWork() {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicBoolean inIdleWork = new AtomicBoolean();
            AtomicBoolean inPiece = new AtomicBoolean();
            AtomicIntegerArray overlaps = new AtomicIntegerArray(1);
            AtomicIntegerArray idlePieces = new AtomicIntegerArray(1);
            pool.whileWaiting(part -> {
                if (part == 1) {
                    inIdleWork.set(true);
                    overlaps.addAndGet(0, inPiece.get() ? 1 : 0);
                    idlePieces.incrementAndGet(0);
                    sleep(1);
                    inIdleWork.set(false);
                }
                return true; // more until the next task
            });
            for (int call = 0; call < 200; call++) {
                long pieceMillis = call % 3 == 0 ? 1 : 0;
                pool.run((part, parts) -> {
                    if (part == 1) {
                        inPiece.set(true);
                        overlaps.addAndGet(0, inIdleWork.get() ? 1 : 0);
                        sleep(pieceMillis);
                        inPiece.set(false);
                    }
                });
            }
            assertThat(idlePieces.get(0)).isPositive();
            assertThat(overlaps.get(0)).isZero();
        }
    }

    /** Threads that begin only once {@code gate} opens. */
    private static ThreadFactory heldAt(CountDownLatch gate) {
        return r -> Thread.ofPlatform().daemon().unstarted(() -> {
            await(gate);
            r.run();
        });
    }

    /** {@code t} with piece 0 waiting until every other piece has begun: each worker runs its own. */
    private static WorkerPool.Task workersRunTheirs(int parts, WorkerPool.Task t) {
        CountDownLatch begun = new CountDownLatch(parts - 1);
        return (part, n) -> {
            if (part > 0) {
                begun.countDown();
            } else {
                await(begun);
            }
            t.run(part, n);
        };
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("waited 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package cifarlinear.cpu;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of threads that runs one task in {@code parts} pieces and waits for all of them:
 * the calling thread runs piece 0, each worker one other piece (in a {@link #serial} pool, the
 * calling thread runs them all, one after the other). Training calls it twice per
 * step, thousands of times per second, so hand-off is a spin on a volatile generation counter
 * (workers park only after idling a while) rather than a queue.
 *
 * <p>A piece whose worker has not begun it by the time the calling thread is done with its own,
 * the calling thread takes over ({@link #takesOver}): a worker whose core the machine has given to
 * something else for a while, or that is slow to wake, then does not hold up the run. Each piece
 * runs once, on one thread or the other, so a task must not depend on which thread runs a piece,
 * only on the piece. A worker's piece and its idle work never run at the same time: each holds
 * the piece's lock.
 *
 * <p>{@link #runChunks} deals a task out in more chunks than threads, each thread taking the next
 * chunk when it is done with one, so that a thread slowed by the rest of the machine does not
 * hold the others up; nor does a worker that got no chunk. A thread that waits can do work of its
 * own meanwhile ({@link #whileWaiting}).
 * Where the threads keep waiting for each other, the caller can have the pool run the pieces on the
 * calling thread for a while ({@link #runOnCaller}); {@link #serialGuessNanos} helps it decide.
 */
public final class WorkerPool implements AutoCloseable {
    /** A task split into pieces; piece {@code part} of {@code parts}. */
    @FunctionalInterface
    public interface Task {
        void run(int part, int parts);
    }

    /** A task in chunks; chunk {@code chunk}, run by thread {@code worker} (for its scratch memory). */
    @FunctionalInterface
    public interface ChunkTask {
        void run(int chunk, int worker);
    }

    /**
     * Work a thread may do while it waits (for the other threads to finish, or for the next task),
     * a little at a time, so that it notices soon when the wait is over.
     */
    @FunctionalInterface
    public interface IdleWork {
        /** Does a small piece of thread {@code part}'s idle work; false when there is none left. */
        boolean runSome(int part);
    }

    /** Names of the worker threads: this, then the piece each one runs. */
    static final String THREAD_NAME_PREFIX = "cifar-linear-cpu-";
    private static final long SPIN_NANOS = 200_000;
    private static final int STRIDE = 16;
    private static final IdleWork NO_IDLE_WORK = part -> false;
    private static final Task NOTHING = (part, parts) -> { };

    private final AtomicInteger nextChunk = new AtomicInteger();
    private int chunkCount;
    private ChunkTask chunkTask;
    private final Task dealChunks = this::dealChunks;

    private final int parts;
    private final Thread[] workers;
    /** Pieces other than the caller's finished in the run under way. */
    private final AtomicInteger done = new AtomicInteger();
    /**
     * Per piece, {@link #STRIDE} ints apart (a cache line each): at {@code p * STRIDE} its lock (1
     * while a thread runs the piece, or the worker its idle work), at {@code p * STRIDE + 1} the
     * last generation in which it ran.
     */
    private final AtomicIntegerArray pieces;
    private final boolean takesOver;
    private volatile Task task;
    private volatile int generation;
    private volatile boolean closed;
    private volatile Throwable failure;
    private volatile Thread caller;
    private volatile IdleWork idle = NO_IDLE_WORK;

    // The calling thread's own: whether it runs every piece itself for now, the idle work set aside
    // meanwhile, its share of the pieces of the run under way, and the estimate of serialGuessNanos.
    private boolean onCaller;
    private IdleWork idleAside = NO_IDLE_WORK;
    private int ownShares;
    private long serialGuessNanos;
    private long runsTakenOver;

    public WorkerPool(int threads) {
        this(threads, true);
    }

    /** A pool whose calling thread takes over pieces that their workers have not begun, or not. */
    public WorkerPool(int threads, boolean takesOver) {
        this(threads, false, takesOver, Thread.ofPlatform().daemon().factory());
    }

    /** A pool whose workers {@code factory} makes (each named after its piece). */
    WorkerPool(int threads, boolean takesOver, ThreadFactory factory) {
        this(threads, false, takesOver, factory);
    }

    private WorkerPool(int parts, boolean serial, boolean takesOver, ThreadFactory factory) {
        if (parts < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + parts);
        }
        this.parts = parts;
        this.takesOver = takesOver;
        this.pieces = new AtomicIntegerArray(parts * STRIDE);
        this.workers = new Thread[serial ? 0 : parts - 1];
        for (int t = 0; t < workers.length; t++) {
            int part = t + 1;
            workers[t] = factory.newThread(() -> work(part));
            workers[t].setName(THREAD_NAME_PREFIX + part);
            workers[t].start();
        }
    }

    /**
     * A pool that runs each task in {@code parts} pieces, as one of that many threads does, but all
     * on the calling thread, one piece after the other, with no threads of its own: the same code
     * with the same pieces, where threads would only wait for each other (while other work keeps
     * the cores busy, as {@link KernelWarmup}'s does).
     */
    public static WorkerPool serial(int parts) {
        return new WorkerPool(parts, true, false, null);
    }

    public int parts() {
        return parts;
    }

    /** Whether the calling thread takes over the pieces that their workers have not begun. */
    public boolean takesOver() {
        return takesOver;
    }

    /**
     * What each thread does while it waits, before it spins: the calling thread, as piece 0, while
     * the workers finish their pieces of {@link #run}; each worker between tasks. Each thread runs
     * its own part of it, so that state it keeps per part needs no locks.
     */
    public void whileWaiting(IdleWork work) {
        if (onCaller) {
            idleAside = work;
        } else {
            idle = work; // volatile write: publishes what the work reads to the workers
        }
    }

    /**
     * Whether the calling thread runs every piece itself, one after the other, from now on (as a
     * {@link #serial} pool does), or hands them to the threads again; the caller's own choice, from
     * how long runs take ({@link SerialFallback}). Before the calling thread takes over, the workers
     * finish any idle work they are doing and do none while it runs the pieces, since their idle
     * work is that of their pieces; it resumes when the threads take over again.
     */
    public void runOnCaller(boolean on) {
        if (on == onCaller || workers.length == 0) {
            return;
        }
        if (on) {
            IdleWork aside = idle;
            idle = NO_IDLE_WORK;
            try {
                run(NOTHING, false); // once the workers have run this, they wait without idle work
            } catch (RuntimeException | Error e) {
                idle = aside; // a failure of earlier idle work, passed on: the threads go on as they were
                throw e;
            }
            idleAside = aside;
            onCaller = true;
        } else {
            onCaller = false;
            idle = idleAside;
            idleAside = NO_IDLE_WORK;
        }
    }

    /** Whether the calling thread runs every piece itself for now ({@link #runOnCaller}). */
    public boolean onCaller() {
        return onCaller;
    }

    /**
     * What the same runs would have taken on one thread, estimated from the calling thread's own
     * piece (or chunks) as if every piece took as long as the caller's did (its pieces taken over
     * left out).
     */
    public long serialGuessNanos() {
        return serialGuessNanos;
    }

    /** Runs in which the calling thread took over a piece ({@link #takesOver}), so far. */
    public long runsTakenOver() {
        return runsTakenOver;
    }

    /** Runs {@code t} on every piece and returns when all have finished; rethrows the first failure. */
    public void run(Task t) {
        run(t, takesOver);
    }

    /** {@link #run}, the calling thread taking over pieces or only waiting for them. */
    private void run(Task t, boolean takeOver) {
        if (closed) {
            throw new IllegalStateException("pool is closed");
        }
        if (workers.length == 0 || onCaller) {
            runSerially(t);
            return;
        }
        caller = Thread.currentThread();
        task = t;
        done.set(0);
        int g = generation + 1;
        generation = g; // volatile write: publishes task to the workers
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        Throwable own = null;
        ownShares = 1;
        long ownStart = System.nanoTime();
        try {
            t.run(0, parts);
        } catch (Throwable e) {
            own = e;
        }
        long start = System.nanoTime();
        int shares = t == dealChunks ? chunkCount : parts;
        if (ownShares > 0) {
            serialGuessNanos += (start - ownStart) * shares / ownShares;
        }
        IdleWork work = idle;
        boolean tookOver = false;
        while (done.get() != parts - 1) {
            if (takeOver && takeOver(t, g)) {
                tookOver = true;
                continue;
            }
            if (work != NO_IDLE_WORK && (work = runSome(work, 0)) != NO_IDLE_WORK) {
                continue;
            }
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 50_000);
            }
        }
        task = null;
        runsTakenOver += tookOver ? 1 : 0;
        Throwable f = own != null ? own : failure;
        failure = null;
        if (f instanceof RuntimeException re) {
            throw re;
        }
        if (f instanceof Error err) {
            throw err;
        }
        if (f != null) {
            throw new IllegalStateException(f);
        }
    }

    /**
     * Runs on the calling thread every piece of run {@code g} that no thread has begun and no worker
     * holds for its idle work; whether it ran any. A failure is kept for the run to pass on.
     */
    private boolean takeOver(Task t, int g) {
        boolean ran = false;
        for (int p = 1; p < parts; p++) {
            int at = p * STRIDE;
            if (pieces.get(at + 1) == g || pieces.get(at) != 0 || !pieces.compareAndSet(at, 0, 1)) {
                continue;
            }
            try {
                if (pieces.get(at + 1) != g) {
                    ran = true;
                    runPiece(t, p, g);
                }
            } finally {
                pieces.set(at, 0);
            }
        }
        return ran;
    }

    /** Piece {@code part} of run {@code g}, its lock held; marks it run and counts it done. */
    private void runPiece(Task t, int part, int g) {
        try {
            t.run(part, parts);
        } catch (Throwable e) {
            if (failure == null) {
                failure = e;
            }
        }
        pieces.set(part * STRIDE + 1, g);
        if (done.incrementAndGet() == parts - 1 && Thread.currentThread() != caller) {
            LockSupport.unpark(caller);
        }
    }

    /** Every piece of {@code t} on this thread, in order, each one also after another failed; rethrows the first failure. */
    private void runSerially(Task t) {
        RuntimeException first = null;
        for (int part = 0; part < parts; part++) {
            try {
                t.run(part, parts);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Runs chunks {@code [0, chunks)} of {@code t}, each once, on whichever thread is free; returns
     * when all have finished and rethrows the first failure.
     */
    public void runChunks(int chunks, ChunkTask t) {
        chunkCount = chunks;
        chunkTask = t;
        nextChunk.set(0);
        try {
            run(dealChunks); // the volatile writes in run() publish the fields above
        } finally {
            chunkTask = null;
        }
    }

    private void dealChunks(int part, int parts) {
        int chunks = chunkCount;
        ChunkTask t = chunkTask;
        int done = 0;
        for (int c = nextChunk.getAndIncrement(); c < chunks; c = nextChunk.getAndIncrement()) {
            t.run(c, part);
            done++;
        }
        if (part == 0) {
            ownShares = done; // the calling thread's chunks, for serialGuessNanos
        }
    }

    private void work(int part) {
        int at = part * STRIDE;
        int seen = 0;
        while (true) {
            long idleSince = System.nanoTime();
            IdleWork work = idle;
            while (generation == seen && !closed) {
                if (work != NO_IDLE_WORK && pieces.compareAndSet(at, 0, 1)) {
                    try {
                        work = runSome(work, part);
                    } finally {
                        pieces.set(at, 0);
                    }
                    continue;
                }
                if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            if (!pieces.compareAndSet(at, 0, 1)) {
                continue; // the calling thread holds the piece: it runs it
            }
            try {
                // While this piece is held and has not run, its run cannot end: generation and task are its.
                seen = generation;
                if (pieces.get(at + 1) != seen) {
                    runPiece(task, part, seen);
                }
            } finally {
                pieces.set(at, 0);
            }
        }
    }

    /**
     * A piece of {@code work}; what to call while this wait goes on: {@code work} again, or nothing
     * when it is done or failed (a failure is rethrown by the next {@link #run}, as a task's is).
     */
    private IdleWork runSome(IdleWork work, int part) {
        try {
            return work.runSome(part) ? work : NO_IDLE_WORK;
        } catch (Throwable e) {
            if (failure == null) {
                failure = e;
            }
            return NO_IDLE_WORK;
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}

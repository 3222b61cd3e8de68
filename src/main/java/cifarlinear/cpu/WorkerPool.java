package cifarlinear.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of threads that runs one task in {@code parts} pieces and waits for all of them:
 * the calling thread runs piece 0, each worker one other piece (in a {@link #serial} pool, the
 * calling thread runs them all, one after the other). Training calls it twice per
 * step, thousands of times per second, so hand-off is a spin on a volatile generation counter
 * (workers park only after idling a while) rather than a queue.
 *
 * <p>{@link #runChunks} deals a task out in more chunks than threads, each thread taking the next
 * chunk when it is done with one, so that a thread slowed by the rest of the machine does not
 * hold the others up. A thread that waits can do work of its own meanwhile ({@link #whileWaiting}).
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
    private static final IdleWork NO_IDLE_WORK = part -> false;
    private static final Task NOTHING = (part, parts) -> { };

    private final AtomicInteger nextChunk = new AtomicInteger();
    private int chunkCount;
    private ChunkTask chunkTask;
    private final Task dealChunks = this::dealChunks;

    private final int parts;
    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
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

    public WorkerPool(int threads) {
        this(threads, false);
    }

    private WorkerPool(int parts, boolean serial) {
        if (parts < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + parts);
        }
        this.parts = parts;
        this.workers = new Thread[serial ? 0 : parts - 1];
        for (int t = 0; t < workers.length; t++) {
            int part = t + 1;
            workers[t] = Thread.ofPlatform().daemon().name(THREAD_NAME_PREFIX + part).unstarted(() -> work(part));
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
        return new WorkerPool(parts, true);
    }

    public int parts() {
        return parts;
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
                run(NOTHING); // once the workers have run this, they wait without idle work
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
     * pieces (or chunks) as if every piece took as long as the caller's did.
     */
    public long serialGuessNanos() {
        return serialGuessNanos;
    }

    /** Runs {@code t} on every piece and returns when all have finished; rethrows the first failure. */
    public void run(Task t) {
        if (closed) {
            throw new IllegalStateException("pool is closed");
        }
        if (workers.length == 0 || onCaller) {
            runSerially(t);
            return;
        }
        caller = Thread.currentThread();
        task = t;
        pending.set(parts - 1);
        generation++; // volatile write: publishes task to the workers
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
        while (pending.get() != 0) {
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
        int seen = 0;
        while (true) {
            long idleSince = System.nanoTime();
            IdleWork work = idle;
            while (generation == seen && !closed) {
                if (work != NO_IDLE_WORK && (work = runSome(work, part)) != NO_IDLE_WORK) {
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
            try {
                task.run(part, parts);
            } catch (Throwable e) {
                if (failure == null) {
                    failure = e;
                }
            }
            if (pending.decrementAndGet() == 0) {
                LockSupport.unpark(caller);
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

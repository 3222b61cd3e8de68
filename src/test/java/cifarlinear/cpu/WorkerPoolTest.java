package cifarlinear.cpu;

import org.junit.jupiter.api.Test;

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
}

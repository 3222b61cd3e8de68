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

package cifarlinear.data;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FlipTest {
    @Test
    void mirrorsEachChannelPlaneLeftRight() {
        for (int c = 0; c < 3; c++) {
            for (int r = 0; r < 32; r++) {
                for (int x = 0; x < 32; x++) {
                    int j = c * 1024 + r * 32 + x;
                    assertThat(Flip.mirror(j)).isEqualTo(c * 1024 + r * 32 + 31 - x);
                }
            }
        }
    }

    @Test
    void twiceIsTheIdentityAndOnceIsAPermutation() {
        int[] map = Flip.map();
        boolean[] hit = new boolean[Dataset.DIM];
        for (int j = 0; j < Dataset.DIM; j++) {
            assertThat(map[map[j]]).isEqualTo(j);
            hit[map[j]] = true;
        }
        assertThat(hit).containsOnly(true);
    }
}

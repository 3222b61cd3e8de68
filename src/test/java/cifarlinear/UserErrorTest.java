package cifarlinear;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UserErrorTest {
    @Test
    void keepsMessagesToOnePrintableLine() {
        assertThat(UserError.failure("a.mat: 'x\ny\rz\u0000' is text").getMessage()).isEqualTo("a.mat: 'x?y?z?' is text");
        String longName = "n".repeat(5000);
        assertThat(UserError.usage(longName).getMessage()).hasSize(UserError.MAX_LENGTH + 1).endsWith("n…");
        assertThat(UserError.failure("plain").getMessage()).isEqualTo("plain");
        assertThat(UserError.usage("x").exitCode()).isEqualTo(2);
        assertThat(UserError.failure("x").exitCode()).isEqualTo(1);
    }
}

package cifarlinear.train;

import cifarlinear.UserError;

import java.util.Locale;
import java.util.Objects;

/**
 * The learning rate η of every update step. With t the step (counted from 0 over the whole run),
 * e = ⌊t / steps per epoch⌋ its epoch and T the run's total steps:
 * <ul>
 *   <li>{@code step}: η γ^⌊e / n⌋ (n = {@code decayEvery}; 0 keeps η constant);</li>
 *   <li>{@code constant}: η;</li>
 *   <li>{@code cosine}: η_min + ½ (η − η_min)(1 + cos(π t / T));</li>
 *   <li>{@code cyclic}: triangular cycles of 2 n_s steps (n_s = {@code cycleSteps}, by default two
 *       epochs' worth, as in DD2424's second assignment) rising linearly from η_min to η and
 *       falling back.</li>
 * </ul>
 */
public record Schedule(Kind kind, double eta, double etaMin, int decayEvery, double decayFactor, int cycleSteps) {

    /** The shapes a schedule can take. */
    public enum Kind {
        STEP, CYCLIC, COSINE, CONSTANT;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind parse(String s) {
            for (Kind k : values()) {
                if (k.id().equalsIgnoreCase(s.strip())) {
                    return k;
                }
            }
            throw UserError.usage("--schedule: unknown schedule '" + s + "' (expected step, cyclic, cosine or constant)");
        }
    }

    public static final Schedule SEED = new Schedule(Kind.STEP, 0.01, 1e-5, 10, 0.1, 0);

    public Schedule {
        Objects.requireNonNull(kind, "kind");
        require(Double.isFinite(eta) && eta > 0, "--eta must be > 0", eta);
        require(Double.isFinite(etaMin) && etaMin >= 0, "--eta-min must be ≥ 0", etaMin);
        if (kind == Kind.CYCLIC || kind == Kind.COSINE) {
            require(etaMin < eta, "--eta-min must be below --eta for a " + kind.id() + " schedule", etaMin);
        }
        require(decayEvery >= 0, "--decay-every must be ≥ 0 (0: no decay)", decayEvery);
        require(Double.isFinite(decayFactor) && decayFactor > 0 && decayFactor <= 1, "--decay-factor must be in (0, 1]",
                decayFactor);
        require(cycleSteps >= 0, "--cycle-steps must be ≥ 0 (0: two epochs)", cycleSteps);
    }

    private static void require(boolean ok, String rule, Object value) {
        if (!ok) {
            throw UserError.usage(rule + ", got " + value);
        }
    }

    /** η at update step {@code t} of a run of {@code epochs} epochs of {@code stepsPerEpoch} steps. */
    public double at(long t, int stepsPerEpoch, int epochs) {
        long total = (long) stepsPerEpoch * epochs;
        return switch (kind) {
            case CONSTANT -> eta;
            case STEP -> decayEvery == 0 ? eta : eta * StrictMath.pow(decayFactor, (t / stepsPerEpoch) / decayEvery);
            case COSINE -> etaMin + 0.5 * (eta - etaMin) * (1 + StrictMath.cos(Math.PI * t / total));
            case CYCLIC -> {
                long ns = cycleSteps > 0 ? cycleSteps : 2L * stepsPerEpoch;
                long l = t % (2 * ns);
                double rise = l < ns ? (double) l / ns : (double) (2 * ns - l) / ns;
                yield etaMin + rise * (eta - etaMin);
            }
        };
    }

    /** η for each step of one epoch, as the backends take it. */
    public float[] epoch(int epoch, int stepsPerEpoch, int epochs) {
        float[] etas = new float[stepsPerEpoch];
        for (int s = 0; s < stepsPerEpoch; s++) {
            etas[s] = (float) at((long) epoch * stepsPerEpoch + s, stepsPerEpoch, epochs);
        }
        return etas;
    }
}

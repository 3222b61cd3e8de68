import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Training epochs of the CPU backend of two builds of cifar-linear, in one JVM: each jar is loaded
 * by a class loader of its own, and the two backends take turns epoch by epoch (which goes first
 * alternates), on the same plans, so that a slow spell of a shared machine hits both alike: the
 * way {@code cifarlinear.cpu.EpochPairs} compares two ways of one build, for two revisions. Seed
 * configuration (softmax, λ 0.1, flip 0.2, 49,000 synthetic images, Vector API kernels) at the
 * given batch, on two threads or THREADS. bench/revision-pairs.sh builds the jars and runs this.
 *
 * <pre>java --add-modules=jdk.incubator.vector bench/RevisionPairs.java OLD.jar NEW.jar [PAIRS [BATCH [THREADS]]]</pre>
 *
 * Prints each build's median epoch and quartiles, the ratio of the medians and the median of the
 * pairs' ratios (new / old), and in how many pairs the new build's epoch was the shorter.
 */
public final class RevisionPairs {
    private RevisionPairs() {
    }

    /** One build's backend, driven through reflection so that the two builds' classes stay apart. */
    private static final class Build {
        private final Object backend;
        private final Object[] plans = new Object[8];
        private final Method trainEpoch;
        private final Object noListener;

        Build(String jar, int batch, int threads) throws ReflectiveOperationException, java.io.IOException {
            ClassLoader loader = new URLClassLoader(new URL[] {Path.of(jar).toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
            Class<?> cifarData = loader.loadClass("cifarlinear.data.CifarData");
            Class<?> splitsClass = loader.loadClass("cifarlinear.data.Splits");
            Class<?> lossClass = loader.loadClass("cifarlinear.model.Loss");
            Class<?> modelClass = loader.loadClass("cifarlinear.model.LinearModel");
            Class<?> planClass = loader.loadClass("cifarlinear.train.EpochPlan");
            Class<?> backendClass = loader.loadClass("cifarlinear.train.Backend");
            Class<?> listenerClass = loader.loadClass("cifarlinear.train.Backend$StepListener");
            Object data = loader.loadClass("cifarlinear.data.SyntheticData").getMethod("generate", int.class, long.class)
                    .invoke(null, 50_000, 0L);
            Object splits = splitsClass.getMethod("of", cifarData, int.class, long.class).invoke(null, data, 1000, 1L);
            Object start = method(modelClass, "initial", 5).invoke(null, lossClass.getField("SOFTMAX").get(null),
                    cifarData.getMethod("classNames").invoke(data), splitsClass.getMethod("stats").invoke(splits),
                    0.01, 5L);
            backend = loader.loadClass("cifarlinear.cpu.CpuBackend")
                    .getConstructor(modelClass, int.class, float.class, int.class, boolean.class)
                    .newInstance(start, batch, 0.1f, threads, true);
            Method draw = method(planClass, "draw", 4);
            Object train = splitsClass.getMethod("train").invoke(splits);
            for (int e = 0; e < plans.length; e++) {
                plans[e] = draw.invoke(null, 4L, e, train, 0.2);
            }
            trainEpoch = backendClass.getMethod("trainEpoch", planClass, float.class, listenerClass);
            noListener = listenerClass.getField("NONE").get(null);
        }

        /** Seconds of one epoch. */
        double epoch(int e) throws ReflectiveOperationException {
            long t0 = System.nanoTime();
            trainEpoch.invoke(backend, plans[e % plans.length], 0.001f, noListener);
            return (System.nanoTime() - t0) / 1e9;
        }

        private static Method method(Class<?> c, String name, int parameters) throws NoSuchMethodException {
            for (Method m : c.getMethods()) {
                if (m.getName().equals(name) && m.getParameterCount() == parameters) {
                    return m;
                }
            }
            throw new NoSuchMethodException(c.getName() + "." + name + " with " + parameters + " parameters");
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: RevisionPairs OLD.jar NEW.jar [PAIRS [BATCH [THREADS]]]");
            System.exit(2);
        }
        int pairs = args.length > 2 ? Integer.parseInt(args[2]) : 40;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        Build[] builds = {new Build(args[0], batch, threads), new Build(args[1], batch, threads)};
        int warmup = 3;
        double[][] seconds = new double[2][pairs];
        for (int e = 0; e < warmup + pairs; e++) {
            for (int turn = 0; turn < 2; turn++) {
                int v = (e + turn) % 2;
                double s = builds[v].epoch(e);
                if (e >= warmup) {
                    seconds[v][e - warmup] = s;
                }
            }
        }
        String[] names = {"old", "new"};
        double[] medians = new double[2];
        for (int v = 0; v < 2; v++) {
            double[] sorted = seconds[v].clone();
            Arrays.sort(sorted);
            medians[v] = quantile(sorted, 0.5);
            System.out.printf("%-4s median %.4f s per epoch (quartiles %.4f, %.4f)%n", names[v], medians[v],
                    quantile(sorted, 0.25), quantile(sorted, 0.75));
        }
        double[] ratios = new double[pairs];
        int wins = 0;
        for (int p = 0; p < pairs; p++) {
            ratios[p] = seconds[1][p] / seconds[0][p];
            wins += seconds[1][p] < seconds[0][p] ? 1 : 0;
        }
        Arrays.sort(ratios);
        System.out.printf("ratio of the medians (new / old) %.3f; median of the pairs' ratios %.3f%n",
                medians[1] / medians[0], quantile(ratios, 0.5));
        System.out.printf("pairs in which the epoch of new was the shorter: %d of %d%n", wins, pairs);
        System.exit(0); // the backends' worker threads are daemons, but leave no doubt
    }

    private static double quantile(double[] sorted, double q) {
        double at = q * (sorted.length - 1);
        int lo = (int) Math.floor(at);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
    }
}

package cifarlinear;

/**
 * The jar's entry point, compiled for Java 8 so that an older runtime says what it needs
 * instead of failing with a class-version error; on Java 25 or newer it runs the program.
 */
public final class Launcher {
    private static final int REQUIRED = 25;

    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        String spec = System.getProperty("java.specification.version", "0");
        int major;
        try {
            major = Integer.parseInt(spec.startsWith("1.") ? spec.substring(2) : spec);
        } catch (NumberFormatException e) {
            major = 0;
        }
        if (major < REQUIRED) {
            System.err.println("cifar-linear: needs Java " + REQUIRED + " or newer, but this is Java " + spec + " ("
                    + System.getProperty("java.home") + "); install a JDK " + REQUIRED
                    + ", or run ./cifar-linear, which finds one.");
            System.exit(1);
        }
        try {
            Class.forName("cifarlinear.cli.Main").getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }
}

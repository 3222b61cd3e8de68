package cifarlinear.train;

/** Where to compute, as the user asks for it with {@code --device}. */
public enum Device {
    /** The best device available; the CPU until a GPU backend is present. */
    AUTO,
    /** The pure-Java backend on all cores. */
    CPU
}

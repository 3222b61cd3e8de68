package cifarlinear.train;

/** Where to compute, as the user asks for it with {@code --device}. */
public enum Device {
    /** The GPU when one is usable, else the CPU. */
    AUTO,
    /** The pure-Java backend on all cores. */
    CPU,
    /** The CUDA backend on GPU 0; an error when there is no usable GPU. */
    GPU
}

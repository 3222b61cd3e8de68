package cifarlinear.perf;

/**
 * The most a device can do, as measured: its floating-point rate and its memory bandwidth.
 *
 * @param device     what was measured, such as "2 threads" or a GPU's name
 * @param summary    one line for people: the figures and how they were measured
 */
public record Limits(String device, double peakGflops, double memoryGBps, String summary) {
}

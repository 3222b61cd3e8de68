package cifarlinear.gpu;

import jcuda.driver.CUdeviceptr;

/**
 * A device pointer whose address Java can read: JCuda keeps it protected, and the cuBLAS binding
 * through java.lang.foreign needs it as a number.
 */
final class DevicePtr extends CUdeviceptr {
    /** The null device pointer, for optional kernel arguments. */
    static final DevicePtr NULL = new DevicePtr();

    long address() {
        return getNativePointer() + getByteOffset();
    }
}

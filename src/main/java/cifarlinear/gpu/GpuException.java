package cifarlinear.gpu;

import cifarlinear.UserError;

/**
 * A GPU that cannot be used or that failed: no driver, a driver too old, no device, out of
 * memory, a failed launch. One line for the user, exit code 1.
 */
public final class GpuException extends UserError {
    public GpuException(String message) {
        super(message, FAILURE);
    }

    public GpuException(String message, Throwable cause) {
        super(message, FAILURE, cause);
    }
}

package cifarlinear.data;

/** Opens {@link CifarFormat#decodeFile} to tests in other packages. */
public final class CifarFormatAccess {
    private CifarFormatAccess() {
    }

    public static byte[] decodeFile(String baseName, byte[] bytes) {
        return CifarFormat.decodeFile(baseName, bytes);
    }
}

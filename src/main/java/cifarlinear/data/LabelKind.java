package cifarlinear.data;

/** Which labels of CIFAR-100 to train on: the 100 fine classes or the 20 coarse superclasses. */
public enum LabelKind {
    FINE, COARSE
}

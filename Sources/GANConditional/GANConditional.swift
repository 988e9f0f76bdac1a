/// GANConditional: one of GANKit's model families (see docs/ARCHITECTURE.md).
public enum GANConditional {
    /// The family's version, recorded in model manifests.
    public static let version = "0.1.0"
}

/// GANTranslation: one of GANKit's model families (see docs/ARCHITECTURE.md).
public enum GANTranslation {
    /// The family's version, recorded in model manifests.
    public static let version = "0.1.0"
}

@_exported import GANImageIO

/// GANKit: the facade a media pipeline imports.
public enum GANKit {
    /// GANKit's release version, printed by `gantool --version`.
    public static let version = "0.1.0"
}

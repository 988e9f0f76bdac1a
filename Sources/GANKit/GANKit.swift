@_exported import GANImageIO
import GANCore

/// GANKit: the facade a media pipeline imports.
public enum GANKit {
    /// GANKit's release version, printed by `gantool --version`.
    public static let version = "0.1.0"
}

/// What training does when a loss or a weight becomes NaN or Inf: `.stop` or `.rollback` (GANCore's type).
public typealias NonFinitePolicy = GANCore::NonFinitePolicy

/// The error a training run ends with when NaN or Inf stopped it (GANCore's type).
public typealias NonFiniteTrainingError = GANCore::NonFiniteTrainingError

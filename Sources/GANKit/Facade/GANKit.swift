// What GANKit re-exports, all of it here: whole modules whose types its API hands out throughout (images and
// masks; training outcomes and stop flags; the inpainting models and methods `Inpainter` wraps), and single types of
// the other modules that a caller names to fill in a job's settings.
@_exported import GANImageIO
@_exported import GANTraining
@_exported import GANInpainting
import GANCore
// Re-exported: what training does when a loss or a weight becomes NaN or Inf: `.stop` or `.rollback` (GANCore's type).
@_exported import enum GANCore.NonFinitePolicy
// Re-exported: the error a training run ends with when NaN or Inf stopped it (GANCore's type).
@_exported import struct GANCore.NonFiniteTrainingError
/// Data-parallel training over MPI: the group of this process, its start and its errors.
@_exported import enum GANCore.DataParallel
/// A data-parallel run's ranks.
@_exported import struct GANCore.ProcessGroup
/// Why data-parallel training cannot start.
@_exported import enum GANCore.DataParallelError

/// GANKit: the facade a media pipeline imports.
public enum GANKit {
    /// GANKit's release version, printed by `gantool --version`.
    public static let version = "0.1.0"
}
// Re-exported for pix2pix callers: the task, the network shape and its norm kind.
@_exported import enum GANConditional.Pix2PixTask
@_exported import struct GANConditional.Pix2PixConfiguration
@_exported import enum GANCore.NormKind
/// Which sgemm kernel products run on (`gantool bench --gemm`).
@_exported import enum GANCore.GemmKernel
/// float32 or bfloat16 convolution products for inference (`gantool translate --precision`).
@_exported import enum GANCore.InferencePrecision
/// Which convolution kernel `conv2d` takes (`gantool bench --convolution`).
@_exported import enum GANCore.ConvolutionAlgorithm
/// The cores GANKit runs on (its affinity mask), for reports such as `gantool bench`.
@_exported import enum GANCore.ComputeCores
/// CycleGAN, CUT, FastCUT or U-GAT-IT (`gantool train cyclegan --objective`).
@_exported import enum GANTranslation.TranslationMethod
/// Epoch counts that replace a resumed translation run's schedule (`gantool train cyclegan --resume --epochs`).
@_exported import struct GANTranslation.ScheduleChange
/// A translation run's latest checkpoint copied small enough to commit (`gantool checkpoint keep`).
@_exported import enum GANTranslation.CompactRunState
/// A label-GAN run's training settings, their one range check (`problem`), and its adversarial loss.
@_exported import struct GANConditional.ConditionalTrainingOptions
@_exported import enum GANConditional.ConditionalLoss
/// How a label-conditional discriminator uses the label (projection or AC-GAN), for `gantool train cgan --head`.
@_exported import enum GANConditional.ConditionalDiscriminatorHead
// Re-exported for label-conditional model folders: their manifest and reader.
@_exported import struct GANConditional.LabelGANManifest
@_exported import enum GANConditional.LabelGANModel
/// The adversarial losses every trainer takes (`--loss minimax|nonsaturating|lsgan|hinge`).
@_exported import enum GANCore.GANObjective
/// The cat-vs-dog judge's settings (`gantool eval train-domain-classifier`): layout, augmentation, epochs.
@_exported import enum GANTranslation.DomainClassifierTraining
/// What can go wrong training or loading the judge (`.stopped` when a signal stopped a checkpointed run).
@_exported import enum GANTranslation.DomainClassifierError
/// The judge itself, whose `Architecture` the command line names.
@_exported import class GANTranslation.DomainClassifier

import GANInpainting
import Foundation

/// Problems finding or loading an inpainting model by name.
public enum InpaintModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No inpainting model of that name or path; lists the inpainting models of the models folder.
    case notFound(String, folder: String, available: [String])
    /// The folder holds something that does not load as an inpainting model.
    case unreadable(String, detail: String)
    /// `--method gan` without a model, and the models folder holds none or several.
    case noDefault(folder: String, available: [String])

    /// A one-line message naming the model or folder.
    public var description: String {
        switch self {
        case let .notFound(name, folder, available):
            "no inpainting model '\(name)' (not a model or checkpoint folder, nor in \(folder)); inpainting models there: \(available.isEmpty ? "none" : available.joined(separator: ", "))"
        case let .unreadable(path, detail): "\(path): \(detail)"
        case let .noDefault(folder, available):
            available.isEmpty
                ? "no inpainting model in \(folder): train one ('gantool train inpaint'), export it ('gantool export RUN --name NAME') or pass --model"
                : "several inpainting models in \(folder) (\(available.joined(separator: ", "))): pick one with --model"
        }
    }
}

/// Fills the holes of in-memory images: the facade over GANInpainting's methods, Telea's fast marching or a trained
/// inpainting GAN.
///
/// ```swift
/// let filled = try Inpainter().inpaint(image: photo, mask: Mask(contentsOf: "mask.png"))          // Telea
/// let gan = try Inpainter(modelNamed: "faces-inpaint")                                             // Models/faces-inpaint
/// let better = try gan.inpaint(image: photo, mask: Mask(contentsOf: "mask.png"))
/// ```
/// Pixels outside the mask and the alpha channel come back bit-identical; the result has the input's size, layout
/// and bit depth. Safe to share between threads: calls to the network are serialised on a lock (the network is not
/// synchronised), Telea needs no lock.
public struct Inpainter: Sendable, Equatable {
    /// How holes are filled.
    public enum Method: String, Sendable, Equatable, CaseIterable, Codable {
        /// Fast marching, Telea 2004: no model needed; smooth fills, best on small holes.
        case telea
        /// A trained inpainting GAN (gated convolutions, `gantool train inpaint`): fills structure and texture.
        case gan
    }

    /// The method used.
    public var method: Method
    /// The neighbourhood radius of ``Method/telea``, in pixels (1...100).
    public var radius: Int
    /// How ``Method/gan`` cuts images into network windows.
    public var plan: InpaintingWindowPlan
    /// The convolution arithmetic of ``Method/gan`` (bf16: bfloat16 operands on CPUs with AVX512_BF16); nil:
    /// `InferencePrecision.current` of the calling task.
    public var precision: InferencePrecision?
    private let network: LockedInpaintingModel?

    /// An inpainter using Telea with a neighbourhood of `radius` pixels. `.gan` needs a model: use
    /// ``init(modelNamed:models:plan:)`` or ``init(model:plan:)``; `Inpainter(method: .gan)` throws
    /// ``InpaintingError/invalidArgument(_:)`` on its first call.
    public init(method: Method = .telea, radius: Int = 5) {
        (self.method, self.radius, self.plan, self.network) = (method, radius, InpaintingWindowPlan(), nil)
    }

    /// A GAN inpainter with a loaded model.
    public init(model: InpaintingModel, plan: InpaintingWindowPlan = InpaintingWindowPlan()) {
        (self.method, self.radius, self.plan, self.network) = (.gan, 5, plan, LockedInpaintingModel(model))
    }

    /// A GAN inpainter with the model `name` (a name in the models folder, or a model, run or checkpoint folder);
    /// nil: the only inpainting model of the models folder.
    /// - Throws: `InpaintModelError`.
    public init(modelNamed name: String?, models: String? = nil, plan: InpaintingWindowPlan = InpaintingWindowPlan()) throws(InpaintModelError) {
        self.init(model: try InpaintModels.load(name, models: models), plan: plan)
    }

    /// The GAN's model folder, nil for Telea.
    public var modelFolder: String? { network?.model.folder }
    /// The GAN's manifest, nil for Telea.
    public var modelManifest: InpaintingManifest? { network?.model.manifest }

    /// Returns `image` with the holes of `mask` (white = fill) filled in; an empty mask returns the image. Throws
    /// ``InpaintingError`` when the mask's size differs from the image's, when it covers every pixel, or when the
    /// radius is out of range.
    public func inpaint(image: Image, mask: Mask) throws(InpaintingError) -> Image {
        try inpaintReportingWindows(image: image, mask: mask).image
    }

    /// ``inpaint(image:mask:)`` with the network windows the GAN used (none for Telea).
    public func inpaintReportingWindows(image: Image, mask: Mask) throws(InpaintingError) -> (image: Image, windows: [InpaintingWindow]) {
        switch method {
        case .telea:
            return (try TeleaInpainter(radius: radius).inpaint(image, mask: mask), [])
        case .gan:
            guard let network else { throw .invalidArgument("the gan method needs a model: Inpainter(modelNamed:) or Inpainter(model:)") }
            let result = InferencePrecision.$current.withValue(precision ?? InferencePrecision.current) {
                Result { () throws(InpaintingError) in try network.inpaint(image, mask: mask, plan: plan) }
            }
            return try result.get()
        }
    }

    /// Same method, radius, plan, precision and model.
    public static func == (a: Inpainter, b: Inpainter) -> Bool {
        a.method == b.method && a.radius == b.radius && a.plan == b.plan && a.precision == b.precision && a.network === b.network
    }
}

/// A model whose calls are serialised on a lock.
final class LockedInpaintingModel: @unchecked Sendable {
    let model: InpaintingModel
    private let lock = NSLock()

    init(_ model: InpaintingModel) { self.model = model }

    func inpaint(_ image: Image, mask: Mask, plan: InpaintingWindowPlan) throws(InpaintingError) -> (image: Image, windows: [InpaintingWindow]) {
        lock.lock()
        defer { lock.unlock() }
        return try model.inpaintWindowed(image, mask: mask, plan: plan)
    }
}

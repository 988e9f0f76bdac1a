/// Limits on what a training command may ask for, checked before anything is allocated (as `ResizeSpec.maximumPixels`
/// is for images): a batch of a size no machine holds is a clear usage error, not an out-of-memory abort.
public enum TrainingLimits {
    /// The most pixels one training batch may hold: batch size × image side² (4 megapixels: 5350 28×28 images, 256
    /// crops of 128×128, 64 of 256×256). Activations take tens to hundreds of times the batch itself.
    public static let maximumBatchPixels = 1 << 22

    /// Why `batch` images of `side` × `side` cannot be one training batch, or nil.
    public static func batchProblem(batch: Int, side: Int) -> String? {
        guard batch > 0, side > 0 else { return nil }
        let (pixels, overflow) = batch.multipliedReportingOverflow(by: side * side)
        guard overflow || pixels > maximumBatchPixels else { return nil }
        let most = max(1, maximumBatchPixels / (side * side))
        return "a batch of \(batch) images of \(side)x\(side) is more than the \(maximumBatchPixels >> 20) megapixels one training batch holds "
            + "(at most \(most) at this size)"
    }
}

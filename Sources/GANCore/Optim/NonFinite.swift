/// What a trainer does when a loss, a weight or an optimizer moment stops being finite (NaN or ±Inf).
public enum NonFinitePolicy: String, Sendable, Codable, CaseIterable {
    /// Report the step and the values and end the run with an error; the last good checkpoint is left as it is.
    case stop
    /// Reload the last good checkpoint, pass over the batch that went bad, and go on; give up after a few
    /// rollbacks in a row without a new checkpoint between them.
    case rollback
}

/// A training run met NaN or Inf and stopped: with `NonFinitePolicy.stop` at once, with `.rollback` when
/// rolling back did not help (`rollbacks` in a row) or there was no checkpoint to go back to.
public struct NonFiniteTrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The step whose values were not finite (1 for the first step).
    public var step: Int
    /// Which values: "losses G_A nan, D_A inf" or "parameter G_A.model.1.weight".
    public var detail: String
    /// The folder of the last good checkpoint, if there is one.
    public var lastGoodCheckpoint: String?
    /// The step of that checkpoint.
    public var lastGoodStep: Int?
    /// Rollbacks made in a row before giving up (0 with `.stop`).
    public var rollbacks: Int

    /// Creates the error.
    public init(step: Int, detail: String, lastGoodCheckpoint: String? = nil, lastGoodStep: Int? = nil, rollbacks: Int = 0) {
        (self.step, self.detail, self.lastGoodCheckpoint, self.lastGoodStep, self.rollbacks) = (step, detail, lastGoodCheckpoint, lastGoodStep, rollbacks)
    }

    /// A message naming the step, the values and the checkpoint to go back to.
    public var description: String {
        let kept = lastGoodCheckpoint.map { "the last good checkpoint, \($0) (step \(lastGoodStep ?? 0)), is kept" }
            ?? "no checkpoint was written yet"
        if rollbacks > 0 {
            return "step \(step): non-finite values (\(detail)) again after \(rollbacks) rollback\(rollbacks == 1 ? "" : "s") in a row; "
                + "giving up: \(kept); lower the learning rate before resuming"
        }
        return "step \(step): non-finite values (\(detail)); training stopped without saving: \(kept); "
            + "resume it (perhaps with a lower learning rate) or train with --on-nonfinite rollback"
    }
}

/// Whether every value is finite; vectorizes (exponent bits all ones means NaN or Inf).
@inlinable
public func allFinite(_ values: [Float]) -> Bool {
    values.withUnsafeBufferPointer { buffer in
        var bad: UInt32 = 0
        for x in buffer { bad |= UInt32((x.bitPattern & 0x7F80_0000) == 0x7F80_0000 ? 1 : 0) }
        return bad == 0
    }
}

extension Module {
    /// The dotted name of the first parameter or buffer holding NaN or Inf, or nil when all are finite.
    public func firstNonFiniteState() -> String? {
        namedState().first { !allFinite($0.variable.value.scalars) }?.name
    }
}

extension Adam {
    /// The index of the first parameter whose moments hold NaN or Inf, or nil when all are finite.
    public func firstNonFiniteMoment() -> Int? {
        parameters.indices.first { !allFinite(firstMoments[$0]) || !allFinite(secondMoments[$0]) }
    }
}

/// Names the losses that are not finite: "G_A nan, D_A inf".
public func nonFiniteLosses(names: [String], values: [Float]) -> String {
    zip(names, values).filter { !$0.1.isFinite }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
}

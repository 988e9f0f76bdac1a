/// Adam's running state: the step count and the two moment estimates of every parameter, in the
/// optimizer's parameter order. Saving and restoring it makes a resumed training run take exactly
/// the steps an uninterrupted one would.
public struct AdamState: Sendable, Equatable {
    /// Steps taken so far (drives the bias corrections).
    public var stepCount: Int
    /// m, one array per parameter.
    public var firstMoments: [[Float]]
    /// v, one array per parameter.
    public var secondMoments: [[Float]]

    /// Creates a state from its parts.
    public init(stepCount: Int, firstMoments: [[Float]], secondMoments: [[Float]]) {
        (self.stepCount, self.firstMoments, self.secondMoments) = (stepCount, firstMoments, secondMoments)
    }
}

/// Why an `AdamState` does not fit an optimizer.
public enum AdamStateError: Error, Equatable, Sendable {
    /// The state holds moments for a different number of parameters.
    case parameterCountMismatch(expected: Int, got: Int)
    /// The moments of parameter `index` have the wrong number of elements.
    case sizeMismatch(index: Int, expected: Int, got: Int)
}

extension Adam {
    /// A copy of the running state.
    public var state: AdamState {
        AdamState(stepCount: stepCount, firstMoments: firstMoments, secondMoments: secondMoments)
    }

    /// Replaces the running state; checks every size before changing anything.
    /// - Throws: `AdamStateError` when `state` was saved for other parameters.
    public func restore(_ state: AdamState) throws(AdamStateError) {
        guard state.firstMoments.count == parameters.count, state.secondMoments.count == parameters.count else {
            throw .parameterCountMismatch(expected: parameters.count, got: state.firstMoments.count)
        }
        for (index, parameter) in parameters.enumerated() {
            for moments in [state.firstMoments[index], state.secondMoments[index]] where moments.count != parameter.value.count {
                throw .sizeMismatch(index: index, expected: parameter.value.count, got: moments.count)
            }
        }
        stepCount = state.stepCount
        firstMoments = state.firstMoments
        secondMoments = state.secondMoments
    }
}

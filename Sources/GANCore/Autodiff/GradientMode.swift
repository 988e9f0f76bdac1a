/// Whether ops record the autodiff graph. Scoped per task (and per thread outside tasks).
public enum GradientMode {
    @TaskLocal static var recording = true

    /// True unless inside `withNoGrad`.
    public static var isEnabled: Bool { recording }
}

/// Runs `body` in inference mode: ops compute values but record no graph,
/// so every result is a constant leaf.
public func withNoGrad<Result>(_ body: () throws -> Result) rethrows -> Result {
    try GradientMode.$recording.withValue(false) { try body() }
}

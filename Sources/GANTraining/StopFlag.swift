import Dispatch
import Foundation

/// A thread-safe flag that signal handlers raise and the training loop reads.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    private var raisedBy: Int32?
    /// Creates a lowered flag.
    public init() {}
    /// Raises the flag, recording the signal that asked for the stop, if any.
    public func raise(signal: Int32? = nil) {
        lock.lock(); raised = true; raisedBy = raisedBy ?? signal; lock.unlock()
    }
    /// Whether the flag is raised.
    public var isRaised: Bool { lock.lock(); defer { lock.unlock() }; return raised }
    /// The signal that raised the flag, if one did.
    public var signal: Int32? { lock.lock(); defer { lock.unlock() }; return raisedBy }
}

/// While it lives (until `cancel()`), SIGINT, SIGTERM and SIGXCPU raise `flag` instead of ending the process, so that a
/// training loop checkpoints and returns; the signals stay ignored afterwards. The one place GANKit catches signals.
/// SIGXCPU is what a CPU-time limit sends (`ulimit -t`, batch schedulers): a run given a CPU budget stops at it like
/// one given a wall-clock budget (`timeout`), with its checkpoint written.
final class StopSignals {
    /// Raised by the first signal, which it records.
    let flag: StopFlag
    private var sources: [DispatchSourceSignal] = []

    /// Starts catching the signals into `flag` when `enabled`; otherwise the flag is never raised by a signal.
    init(raising flag: StopFlag, enabled: Bool) {
        self.flag = flag
        guard enabled else { return }
        for sig in [SIGINT, SIGTERM, SIGXCPU] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [flag] in flag.raise(signal: sig) }
            source.resume()
            sources.append(source)
        }
    }

    /// Stops catching (the signals stay ignored).
    func cancel() { for source in sources { source.cancel() } }
}

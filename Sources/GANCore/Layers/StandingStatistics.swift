// Standing statistics (Brock et al. 2019, BigGAN §3.1 / appendix): the running mean and variance of every batch
// norm are replaced by their plain average over `passes` training-mode forward passes of the finished network:
//   running_stat = (1/K) Σₖ stat(batch k)      (PyTorch's momentum=None, cumulative averaging)
// A generator's running statistics are otherwise an exponential average over its last training steps, taken
// while its weights were still moving (and, for a weight average, averaged along with them); the samples
// drawn in evaluation mode then come from statistics that no single set of weights produced.

/// Recomputes a network's batch-norm running statistics from its current weights.
public enum StandingStatistics {
    /// Set while `recompute` runs its passes: batch norm then averages batches cumulatively (weight 1/k for the
    /// k-th batch since the reset) instead of with its momentum.
    @TaskLocal static var isCollecting = false

    /// Resets every batch norm in `module` (buffers `running_mean`, `running_var`, `num_batches_tracked`), then
    /// calls `pass(k)` for k in 0..<passes with the module in training mode and gradients off; each pass should
    /// run one forward of the module on a batch drawn as in training. Afterwards the running statistics are the
    /// mean of the passes' batch statistics, and the module is back in the mode it was in.
    public static func recompute(_ module: Module, passes: Int, pass: (Int) -> Void) {
        precondition(passes > 0, "StandingStatistics: passes must be positive")
        for (name, buffer) in module.namedBuffers() {
            if name.hasSuffix("running_mean") || name.hasSuffix("num_batches_tracked") {
                buffer.value = .zeros(buffer.shape)
            } else if name.hasSuffix("running_var") {
                buffer.value = .ones(buffer.shape)
            }
        }
        let wasTraining = module.isTraining
        module.train()
        defer { module.train(wasTraining) }
        $isCollecting.withValue(true) {
            withNoGrad { for k in 0..<passes { pass(k) } }
        }
    }
}

import ArgumentParser
import Foundation
import GANKit

/// `--distributed`: every `train` command's data-parallel switch. Under `mpirun -np N` each rank trains on its share
/// of every batch and rank 0 alone writes; without Open MPI it says how to get it.
struct DistributedFlag: ParsableArguments {
    @Flag(help: "Data-parallel training over MPI: start with `mpirun -np N gantool train ... --distributed`. Gradients are averaged over the ranks; rank 0 writes checkpoints, logs and samples.")
    var distributed = false

    /// Joins the MPI job when `--distributed` is given (nothing otherwise).
    /// - Throws: `ExitCode(69)` with the reason when Open MPI cannot be loaded.
    func start() throws {
        guard distributed else {
            // mpirun without --distributed would start N independent runs writing the same folder.
            let environment = ProcessInfo.processInfo.environment
            if let size = (environment["OMPI_COMM_WORLD_SIZE"] ?? environment["PMI_SIZE"]).flatMap(Int.init), size > 1 {
                FileHandle.standardError.write(Data("gantool: started as one of \(size) MPI ranks without --distributed: each would train alone into the same run folder. Add --distributed, or run gantool without mpirun\n".utf8))
                throw ExitCode(64)
            }
            return
        }
        do {
            _ = try DataParallel.start()
        } catch {
            FileHandle.standardError.write(Data("gantool: \(error.description)\n".utf8))
            throw ExitCode(69)
        }
    }

    /// Leaves the MPI job after a run that every rank ended the same way (not after an error on one rank, which must
    /// end the job instead: mpirun stops the other ranks when one exits with a failure).
    func finish() { if distributed { DataParallel.finish() } }

    /// Whether this process writes the run's lines: always, except on the ranks after the first of a distributed run.
    static var writesLines: Bool { DataParallel.group?.isLeader ?? true }
}

import ArgumentParser

/// The `securenets-bench` executable: one subcommand per benchmark.
///
/// Each benchmark lives in its own file as a `ParsableCommand`; adding one means writing that file and
/// naming its type in `subcommands` below — nothing else here knows about any particular benchmark.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "securenets-bench",
        abstract: "Measures what SecureNets costs against plaintext inference.",
        subcommands: [ComputeBenchmark.self, PipelineBenchmark.self, CapacityBenchmark.self, UserCostBenchmark.self,
                      QueueDepthWatch.self]
    )
}

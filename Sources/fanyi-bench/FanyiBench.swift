import ArgumentParser
import Tensor
import Glibc

@main
struct FanyiBench: ParsableCommand {
    /// Gives OpenBLAS its settings (see `BLASEnvironment`) before parsing and running.
    static func main() {
        BLASEnvironment.prepare()
        main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "fanyi-bench",
        abstract: "Measure Fanyi's speed (build with -c release; numbers are medians of repeats).",
        discussion: "Example: swift build -c release && .build/release/fanyi-bench tokenize",
        subcommands: [TokenizeBenchmark.self, TrainBenchmark.self, TranslateBenchmark.self, GemmBenchmark.self]
    )
}

/// The median of `repeats` timed runs of `body`, in seconds.
func medianSeconds(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = monotonicSeconds()
        try body()
        times.append(monotonicSeconds() - start)
    }
    return median(times)
}

/// The middle value of `values` (the upper of the two middle ones for an even count).
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

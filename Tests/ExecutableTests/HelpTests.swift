import Testing

/// Every executable and subcommand explains itself: `--help` succeeds, shows an example and
/// fits an 80-column terminal (long lines would be wrapped mid-command).
@Suite struct HelpTests {
    @Test(arguments: [
        ["fanyi-vocab"], ["fanyi-vocab", "build"], ["fanyi-vocab", "tokenize"], ["fanyi-vocab", "detokenize"],
        ["fanyi-vocab", "encode"], ["fanyi-train"], ["fanyi-train", "train"], ["fanyi-train", "plot"],
        ["fanyi-train", "export"], ["fanyi-train", "average"], ["fanyi-translate"], ["fanyi-score"], ["fanyi-bench"], ["fanyi-bench", "tokenize"],
        ["fanyi-bench", "train"], ["fanyi-bench", "translate"], ["fanyi-bench", "gemm"], ["fanyi-serve"],
    ])
    func helpHasAnExampleAndFitsTheTerminal(command: [String]) throws {
        let result = try run(command[0], Array(command.dropFirst()) + ["--help"], input: "")
        #expect(result.status == 0)
        #expect(result.stdout.contains("Example"), "\(command) --help shows no example")
        let example = result.stdout.components(separatedBy: "Example").dropFirst().joined()
        #expect(example.contains(command[0] + " "), "\(command) --help: the example does not run \(command[0])")
        for line in result.stdout.split(separator: "\n") where !line.hasPrefix("USAGE:") {
            #expect(line.count <= 80, "\(command) --help: a line of \(line.count) characters: \(line)")
        }
    }
}

import ArgumentParser
import Glibc
import Tokenization

@main
struct FanyiVocab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanyi-vocab",
        abstract: "Tokenize text, learn BPE merges and build vocabularies.",
        discussion: """
            Examples:
              echo "Hello, world!" | fanyi-vocab tokenize --lang en
              fanyi-vocab build --train my-data/train --source-lang en \\
                  --target-lang es --merges 8000 --output vocab/my-en-es
              echo "Select the cell range." \\
                  | fanyi-vocab encode --vocab vocab/en-zh-lohelp.json --lang en
            'fanyi-vocab help build' (or tokenize, detokenize, encode) shows
            the options of one subcommand.
            """,
        subcommands: [Build.self, Tokenize.self, Detokenize.self, Encode.self]
    )
}

/// Tokenizer settings of one side, as flags.
struct TokenizerFlags: ParsableArguments {
    @Option(name: .customLong("lang"), help: "Language code (BCP 47, e.g. en, zh, tr): selects lowercasing rules and defaults.")
    var language = "und"

    @Option(help: "Unicode normalization: nfc, nfkc or none (default: the language's, nfc).")
    var normalization: Normalization?

    @Flag(help: "Lowercase with the language's rules.")
    var lowercase = false

    var options: TokenizerOptions {
        TokenizerOptions(language: language, normalization: normalization, lowercase: lowercase)
    }
}

/// The input file and what to do with invalid UTF-8.
struct InputFlags: ParsableArguments {
    @Argument(help: "Input file (default: standard input).")
    var input: String = "-"

    @Option(help: "Invalid UTF-8 in the input: error (stop, naming the line) or replace (with U+FFFD).")
    var invalidUTF8: InvalidUTF8Policy = .error

    /// Calls `transform` on each line and writes one output line per input line; output is
    /// flushed whenever the next read would wait, so interactive use sees each line at once.
    func mapLines(_ transform: (String) throws -> String) throws {
        let reader = try LineReader(path: input, policy: invalidUTF8)
        let writer = LineWriter()
        while true {
            if reader.willBlock { try writer.flush() }
            guard let line = try reader.nextLine() else { break }
            try writer.write(try transform(line))
        }
        try writer.flush()
        if reader.replacedLines > 0 {
            printError("fanyi-vocab: replaced invalid UTF-8 in \(reader.replacedLines) line(s) of \(reader.name)")
        }
    }
}

extension Normalization: ExpressibleByArgument {}
extension InvalidUTF8Policy: ExpressibleByArgument {}

/// Writes a line to standard error.
func printError(_ message: String) {
    let line = message + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
}

import ArgumentParser
import Tokenization

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tokenize text: one line of space-separated tokens per input line.",
        discussion: """
            Tokens that were not separated by a space carry the joiner ￭; other
            whitespace is kept as escaped tokens such as ⟪0009⟫, so `detokenize`
            restores the text exactly.
            Example: echo "我是中国人。Hello, world!" | fanyi-vocab tokenize --lang zh
            """)

    @OptionGroup var tokenizer: TokenizerFlags
    @OptionGroup var io: InputFlags

    func run() throws {
        let tokenizer = try Tokenizer(options: tokenizer.options)
        try io.mapLines { try tokenizer.tokenizeLine($0) }
    }
}

struct Detokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join tokens or subwords (with ￭ joiners) back into text.",
        discussion: "Example: echo \"Hello ￭, world ￭!\" | fanyi-vocab detokenize")

    @OptionGroup var io: InputFlags

    func run() throws {
        try io.mapLines { Tokenizer.detokenizeLine($0) }
    }
}

struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tokenize and split into BPE subwords (what the model sees).",
        discussion: """
            Takes the tokenizer options and merges of one language of a built set
            with --vocab and --lang, or give --bpe and the tokenizer flags yourself.
            Example:
              echo "Select the cell range." \\
                  | fanyi-vocab encode --vocab vocab/en-zh-lohelp.json --lang en
            """)

    @Option(help: "A vocabulary manifest written by `fanyi-vocab build` (vocab/NAME.json).")
    var vocab: String?

    @Option(help: "A BPE merges file (when --vocab is not given).")
    var bpe: String?

    @OptionGroup var tokenizer: TokenizerFlags
    @OptionGroup var io: InputFlags

    func validate() throws {
        if vocab == nil && bpe == nil { throw ValidationError("give --vocab MANIFEST --lang L, or --bpe FILE") }
        if vocab != nil && bpe != nil { throw ValidationError("--vocab and --bpe exclude each other") }
        if vocab != nil && tokenizer.language == "und" { throw ValidationError("--vocab needs --lang to pick a side") }
    }

    func run() throws {
        var options = tokenizer.options
        var merges = BPEMerges()
        if let vocab {
            let (set, folder) = try VocabularySet.load(vocab)
            guard let side = set.sides[tokenizer.language] else {
                throw ValidationError("\(vocab) has no language '\(tokenizer.language)'; it has \(set.languages.joined(separator: ", "))")
            }
            options = side.tokenizer
            if let file = side.bpe { merges = try BPEMerges(contentsOf: VocabularySet.resolve(file, in: folder)) }
        } else if let bpe {
            merges = try BPEMerges(contentsOf: bpe)
        }
        let tokenizer = try Tokenizer(options: options)
        let applier = BPE(merges: merges)
        try io.mapLines { applier.apply(try tokenizer.tokenize($0)).joined(separator: " ") }
    }
}

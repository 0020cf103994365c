// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Fanyi",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Tokenization", targets: ["Tokenization"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "Seq2Seq", targets: ["Seq2Seq"]),
        .library(name: "DataParallel", targets: ["DataParallel"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Evaluation", targets: ["Evaluation"]),
        .library(name: "Translation", targets: ["Translation"]),
        .library(name: "Documents", targets: ["Documents"]),
        .library(name: "Serving", targets: ["Serving"]),
        .executable(name: "fanyi-vocab", targets: ["fanyi-vocab"]),
        .executable(name: "fanyi-train", targets: ["fanyi-train"]),
        .executable(name: "fanyi-translate", targets: ["fanyi-translate"]),
        .executable(name: "fanyi-score", targets: ["fanyi-score"]),
        .executable(name: "fanyi-bench", targets: ["fanyi-bench"]),
        .executable(name: "fanyi-serve", targets: ["fanyi-serve"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // MARK: - System libraries

        /// ICU word break, normalization and case mapping behind a C interface of plain types
        /// (Foundation's private ICU clashes with ICU's C types in Swift; see the header).
        .target(
            name: "CICU",
            linkerSettings: [
                .linkedLibrary("icui18n"), .linkedLibrary("icuuc"), .linkedLibrary("icudata"),
            ]
        ),
        /// OpenBLAS's CBLAS interface (Debian libopenblas-dev, pthread build).
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),

        /// Open MPI's C interface (Debian libopenmpi-dev), for data-parallel training across processes.
        .systemLibrary(
            name: "CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]
        ),

        /// CLD2, Chrome's language identifier (Debian libcld2-dev), behind a C interface: chosen over
        /// libexttextcat by measurement (scripts/measure-detection.sh).
        .target(name: "CLanguageID", linkerSettings: [.linkedLibrary("cld2")]),

        /// libxml2's HTML and XML parsers (Debian libxml2-dev), for translating documents.
        .systemLibrary(
            name: "CXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),

        /// GNU gettext's PO reader and writer (Debian libgettextpo-dev), behind a C function that
        /// turns its error handler (which may not return) into return values.
        .target(name: "CGettextPO", linkerSettings: [.linkedLibrary("gettextpo")]),

        /// libzip (Debian libzip-dev), for the zip packages of .odt and .docx files.
        .systemLibrary(
            name: "CZip",
            pkgConfig: "libzip",
            providers: [.apt(["libzip-dev"])]
        ),

        /// Transcendental and row kernels (exp, sigmoid, tanh, softmax, cross-entropy) with an
        /// AVX2+FMA path chosen at run time; Swift cannot enable AVX2 per function without
        /// unsafe flags, which would bar Fanyi from being a package dependency.
        .target(name: "CKernels"),

        // MARK: - Libraries

        /// Reversible ICU tokenizer, BPE learner and applier, vocabularies, UTF-8 line reading.
        .target(
            name: "Tokenization",
            dependencies: [
                "CICU",
                .product(name: "Collections", package: "swift-collections"),
            ]
        ),

        /// Dense Float32 matrices, GEMM through OpenBLAS, fused kernels, the seeded RNG.
        .target(name: "Tensor", dependencies: ["CBLAS", "CKernels"]),

        /// Layers with explicit forward and backward, the encoder–decoder model, search, model file.
        .target(name: "Seq2Seq", dependencies: ["Tensor"]),

        /// The processes that train together: one, or the ranks of an `mpirun` job (all-reduce, broadcast).
        .target(name: "DataParallel", dependencies: ["CMPI"]),

        /// Corpus reading, batching, optimizers, schedules, checkpoints, validation, the training loop.
        .target(name: "Training", dependencies: ["Seq2Seq", "Tensor", "Tokenization", "Evaluation", "DataParallel",
                                               .product(name: "Yams", package: "Yams")]),

        /// BLEU and chrF with sacreBLEU's tokenizers, giving sacreBLEU's numbers.
        .target(name: "Evaluation"),

        /// `Translator`: text in, text out, in batches; what fanyi-translate and embedding apps use.
        .target(name: "Translation", dependencies: ["Seq2Seq", "Tokenization", "Tensor", "CLanguageID"]),

        /// HTML and XML documents: cut into segments with their inline tags, translated, put back.
        .target(name: "Documents", dependencies: ["Translation", "CXML2", "CGettextPO", "CZip"]),

        /// The translation service: JSON API types, the batching queue and its workers, routes,
        /// metrics and the web page (a resource).
        .target(
            name: "Serving",
            dependencies: [
                "Translation", "Documents", "Tokenization", "Tensor",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            resources: [.copy("Page/index.html")]
        ),

        // MARK: - Executables

        /// Tokenizes corpora, learns BPE merges and writes vocabularies.
        .executableTarget(
            name: "fanyi-vocab",
            dependencies: [
                "Tokenization",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        /// Trains a model on parallel corpora: flags or a YAML file in, checkpoints, log and model out.
        .executableTarget(
            name: "fanyi-train",
            dependencies: [
                "Training", "Seq2Seq", "Tensor", "DataParallel", "Translation", "Evaluation", "Tokenization",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        /// Translates stdin to stdout with a model file (does not link Training).
        .executableTarget(
            name: "fanyi-translate",
            dependencies: [
                "Translation", "Documents", "Seq2Seq", "Tokenization", "Tensor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        /// BLEU and chrF of stdin against a reference file, sacreBLEU's numbers and signature.
        .executableTarget(
            name: "fanyi-score",
            dependencies: [
                "Evaluation", "Tokenization",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        /// Speed measurements (release builds only): tokenizer, BPE and training throughput.
        .executableTarget(
            name: "fanyi-bench",
            dependencies: [
                "Tokenization", "Seq2Seq", "Training", "Translation", "Tensor", "DataParallel", "CKernels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        /// The translation service over HTTP: LibreTranslate-style API, metrics, web page.
        .executableTarget(
            name: "fanyi-serve",
            dependencies: [
                "Serving", "Translation", "Tensor", "CKernels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: - Tests

        .testTarget(name: "TokenizationTests", dependencies: ["Tokenization"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "CKernels"]),
        .testTarget(name: "Seq2SeqTests", dependencies: ["Seq2Seq", "Tensor"], exclude: ["Fixtures"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Seq2Seq", "Tensor"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation"], exclude: ["Fixtures"]),
        .testTarget(name: "TranslationTests", dependencies: ["Translation", "Tensor"]),
        .testTarget(name: "DocumentsTests", dependencies: ["Documents", "Translation"], exclude: ["Fixtures"]),
        .testTarget(
            name: "ServingTests",
            dependencies: ["Serving", .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
        .testTarget(name: "ExecutableTests", dependencies: ["Tokenization", "Seq2Seq", "Documents", "fanyi-vocab", "fanyi-train", "fanyi-translate", "fanyi-score", "fanyi-bench", "fanyi-serve"]),
    ]
)

import Foundation
import Translation

// The JSON of the HTTP API. `POST /translate` speaks LibreTranslate's fields (`q`, `source`,
// `target`, `format`, `alternatives`) plus Fanyi's own (`beam_size`, `scores`, `attention`).

/// One text or several: LibreTranslate's `q` is either, and the answer mirrors the form.
public enum Texts: Codable, Equatable, Sendable {
    case one(String)
    case many([String])

    public var all: [String] {
        switch self {
        case .one(let text): [text]
        case .many(let texts): texts
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .one(text)
        } else if let texts = try? container.decode([String].self) {
            self = .many(texts)
        } else {
            throw DecodingError.typeMismatch(Texts.self, .init(codingPath: decoder.codingPath,
                                                              debugDescription: "a string or an array of strings"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .one(let text): try container.encode(text)
        case .many(let texts): try container.encode(texts)
        }
    }
}

/// `POST /translate`'s body.
public struct TranslateRequest: Codable, Equatable, Sendable {
    /// The text or texts to translate; each may hold several sentences and lines.
    public var q: Texts
    /// Source language code, or "auto" to identify it (CLD2).
    public var source: String
    /// Target language code.
    public var target: String
    /// "text", or "html": each text is an HTML fragment or page whose text is translated and
    /// markup kept (`MarkupDocument`).
    public var format: String?
    /// Alternative translations wanted besides the best (0 by default).
    public var alternatives: Int?
    /// Beam size (1 greedy); the server's default and bound apply.
    public var beamSize: Int?
    /// Answer the model's scores (log-probability with the length penalty, per text).
    public var scores: Bool?
    /// Answer the attention weights (given for a single text of one sentence, left out otherwise).
    public var attention: Bool?
    /// Terms with fixed translations for this request (term → translation), over the server's glossary.
    public var glossary: [String: String]?
    /// Answer each text's confidence and its words' confidences (`docs/confidence.md`).
    public var confidence: Bool?

    enum CodingKeys: String, CodingKey {
        case q, source, target, format, alternatives, scores, attention, glossary, confidence
        case beamSize = "beam_size"
    }

    public init(q: Texts, source: String, target: String, format: String? = nil, alternatives: Int? = nil,
                beamSize: Int? = nil, scores: Bool? = nil, attention: Bool? = nil) {
        self.q = q
        self.source = source
        self.target = target
        self.format = format
        self.alternatives = alternatives
        self.beamSize = beamSize
        self.scores = scores
        self.attention = attention
    }
}

/// `POST /translate`'s answer: each field has the form of `q` (a value, or an array of them).
public struct TranslateResponse: Codable, Equatable, Sendable {
    public var translatedText: Texts
    /// Alternatives per text (when asked): an array, or an array of arrays for several texts.
    public var alternatives: AlternativeTexts?
    /// The language picked for `source: "auto"`.
    public var detectedLanguage: DetectedLanguage?
    /// The best translation's score per text (when asked); a sum over its sentences.
    public var scores: [Double]?
    /// Source and target subwords and the weights between them (when asked).
    public var attention: AttentionWeights?
    /// Per text (when asked): the confidence of its least confident sentence, 0–1.
    public var confidence: [Double]?
    /// Per text (when asked, with a calibrated model): the probability that its least confident
    /// sentence is a good translation (`docs/confidence.md`).
    public var calibratedConfidence: [Double]?
    /// Per text (when asked): its words, sentence after sentence, each with its confidence.
    public var words: [[WordConfidence]]?

    public enum AlternativeTexts: Codable, Equatable, Sendable {
        case one([String])
        case many([[String]])

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let one = try? container.decode([String].self) { self = .one(one) } else { self = .many(try container.decode([[String]].self)) }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .one(let texts): try container.encode(texts)
            case .many(let texts): try container.encode(texts)
            }
        }
    }
}

/// LibreTranslate's detected-language object.
public struct DetectedLanguage: Codable, Equatable, Sendable {
    public var language: String
    /// The share of the text CLD2 gave this language, 0–100.
    public var confidence: Double
}

/// `POST /detect`'s body (other fields, such as `api_key`, are ignored).
public struct DetectRequest: Codable, Equatable, Sendable {
    public var q: Texts
}

/// An attention matrix for the page's heatmap: `weights[i][j]` is what target subword i gave source subword j.
public struct AttentionWeights: Codable, Equatable, Sendable {
    /// Source subwords as a reader writes them (joiner marks removed).
    public var source: [String]
    public var target: [String]
    public var weights: [[Float]]
}

/// One entry of `GET /languages`: a served model's pair (LibreTranslate lists a language with its targets).
public struct LanguageEntry: Codable, Equatable, Sendable {
    public var code: String
    public var name: String
    public var targets: [String]
}

/// `GET /frontend/settings`: what LibreTranslate's page (and clients that copy it) read first.
public struct FrontendSettings: Codable, Equatable, Sendable {
    public struct Language: Codable, Equatable, Sendable {
        public var code: String
        public var name: String
    }

    /// Most characters one request may hold.
    public var charLimit: Int
    /// How long a page waits after typing before it translates, in milliseconds.
    public var frontendTimeout: Int
    public var apiKeys: Bool
    public var keyRequired: Bool
    public var suggestions: Bool
    public var filesTranslation: Bool
    public var supportedFilesFormat: [String]
    /// The pair a page starts with.
    public var language: [String: Language]
}

/// `GET /health`.
public struct HealthResponse: Codable, Equatable, Sendable {
    public var status: String
    /// "en-zh", one per served model.
    public var models: [String]
    /// Sentences waiting for a worker or being translated, over all models.
    public var pending: Int
}

/// The body of every error answer.
public struct ErrorResponse: Codable, Equatable, Sendable {
    public var error: String
}

/// `POST /translate_file`'s fields besides the file (multipart/form-data).
public struct TranslateFileRequest: Codable, Equatable, Sendable {
    /// Language code, or `auto`.
    public var source: String
    public var target: String
    /// Terms that must be translated as given, over the server's glossary.
    public var glossary: [String: String]?

    public init(source: String, target: String, glossary: [String: String]? = nil) {
        self.source = source
        self.target = target
        self.glossary = glossary
    }
}

/// `POST /translate_file`'s answer: where to fetch the translation (`GET /download_file/NAME`).
public struct TranslateFileResponse: Codable, Equatable, Sendable {
    public var translatedFileUrl: String
    /// With source `auto`: the language read.
    public var detectedLanguage: DetectedLanguage?
}

/// The state of a file translation that outlasted its request (`GET /translate_file/jobs/ID`;
/// 202 from `POST /translate_file` while it runs).
public struct FileJobResponse: Codable, Equatable, Sendable {
    /// `running` or `done`.
    public var status: String
    public var jobUrl: String
    /// Sentences translated so far, of `total`.
    public var done: Int
    public var total: Int
    /// When done: where to fetch the file.
    public var translatedFileUrl: String?
    public var detectedLanguage: DetectedLanguage?
}

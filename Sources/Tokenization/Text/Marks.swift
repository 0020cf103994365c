/// The characters that make tokenized text reversible.
///
/// Tokens are separated by single spaces. A token that starts with the joiner was written with
/// no space before it in the original text; one that ends with the joiner, with no space after.
/// Characters that would break this (whitespace inside a token, the joiner itself, the escape
/// opener) are written as `⟪HEX⟫`, e.g. a tab is `⟪0009⟫`.
public enum Marks {
    /// The joiner, U+FFED HALFWIDTH BLACK SQUARE (as in the OpenNMT Tokenizer).
    public static let joiner = "\u{FFED}"
    static let joinerScalar: Unicode.Scalar = "\u{FFED}"
    static let joinerUnit: UInt16 = 0xFFED
    /// Opens an escaped scalar: U+27EA MATHEMATICAL LEFT DOUBLE ANGLE BRACKET.
    static let escapeOpen: Unicode.Scalar = "\u{27EA}"
    /// Closes an escaped scalar: U+27EB.
    static let escapeClose: Unicode.Scalar = "\u{27EB}"

    /// Unicode White_Space (all in the BMP, so a UTF-16 unit test is exact).
    @inline(__always)
    static func isWhitespace(_ u: UInt16) -> Bool {
        switch u {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// A code unit that has to be escaped inside a token.
    @inline(__always)
    static func needsEscape(_ u: UInt16) -> Bool {
        isWhitespace(u) || u == joinerUnit || u == 0x27EA
    }

    /// Appends `⟪HEX⟫` for `scalar` (upper-case hex, at least four digits).
    static func appendEscaped(_ scalar: Unicode.Scalar, to out: inout String) {
        var hex = String(scalar.value, radix: 16, uppercase: true)
        if hex.count < 4 { hex = String(repeating: "0", count: 4 - hex.count) + hex }
        out.unicodeScalars.append(escapeOpen)
        out += hex
        out.unicodeScalars.append(escapeClose)
    }

    /// The token text for UTF-16 `units`, escaping what `needsEscape` names.
    static func escapedText(_ units: ArraySlice<UInt16>) -> String {
        if !units.contains(where: needsEscape) { return String(decoding: units, as: UTF16.self) }
        var out = ""
        for scalar in String(decoding: units, as: UTF16.self).unicodeScalars {
            if scalar.value <= 0xFFFF && needsEscape(UInt16(scalar.value)) {
                appendEscaped(scalar, to: &out)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Replaces each well-formed `⟪HEX⟫` by its scalar; anything else is kept as written.
    static func unescaped(_ text: Substring) -> String {
        guard text.unicodeScalars.contains(escapeOpen) else { return String(text) }
        var out = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            if scalars[i] == escapeOpen, let (scalar, next) = parseEscape(scalars, at: i) {
                out.append(scalar)
                i = next
            } else {
                out.append(scalars[i])
                i += 1
            }
        }
        return String(out)
    }

    private static func parseEscape(_ s: [Unicode.Scalar], at start: Int) -> (Unicode.Scalar, Int)? {
        var value: UInt32 = 0
        var i = start + 1
        while i < s.count, i - start <= 7, let digit = hexValue(s[i]) {
            value = value * 16 + digit
            i += 1
        }
        let digits = i - start - 1
        guard digits >= 4, digits <= 6, i < s.count, s[i] == escapeClose, let scalar = Unicode.Scalar(value)
        else { return nil }
        return (scalar, i + 1)
    }

    private static func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c.value {
        case 0x30...0x39: return c.value - 0x30
        case 0x41...0x46: return c.value - 0x41 + 10
        default: return nil
        }
    }
}

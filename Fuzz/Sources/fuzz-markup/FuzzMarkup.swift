import FuzzSupport
import Translation

/// The markup scanner and the placement of its markers on any bytes. The first byte picks a
/// target length and seeds its alignment; the rest is the source string. Checks the promises:
/// scanning gives the string back, and whatever the alignment, the translation holds every
/// marker and mark exactly once, with every tag that was paired in the source paired again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMarkup(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = FuzzInput(start, count).bytes
    guard let first = bytes.first else { return 0 }
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    let protected = MarkupScanner.scan(text)
    precondition(protected.text == text, "scanning does not give the string back")
    precondition(protected.chunks.count == protected.markers.count + 1, "chunks and markers do not alternate")

    // One source piece per word of each chunk, as a tokenizer would roughly give.
    var boundaries: [Int] = [], chunkStarts: [Int] = [], sourceCount = 0
    for (i, chunk) in protected.chunks.enumerated() {
        chunkStarts.append(sourceCount)
        sourceCount += chunk.split(whereSeparator: \.isWhitespace).count
        if i < protected.markers.count { boundaries.append(sourceCount) }
    }
    let targetCount = Int(first % 16)
    var state = UInt64(first) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(bytes.count)
    let alignment = (0..<targetCount).map { _ -> Int in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(sourceCount + 1))  // sourceCount: the end of sentence
    }
    let pieces = (0..<targetCount).map { $0 % 3 == 1 ? "\u{FFED}w\($0)" : "w\($0)" }
    var placement = MarkupPlacement(
        protected: protected, markerBoundaries: boundaries,
        acceleratorPieces: protected.accelerators.map { chunkStarts[$0.chunk] }, sourceCount: sourceCount,
        pieces: pieces, alignment: alignment, acceleratorInWord: first & 0x10 == 0)
    let (translation, outcome) = placement.text()
    if outcome != .none {
        precondition(MarkupScanner.holdsExactly(protected, translation), "a marker was lost or repeated: \(translation)")
        // Unbalanced tags stand alone and may be placed so that they pair; paired ones stay paired.
        var pairedBefore: [String: Int] = [:], pairedAfter: [String: Int] = [:]
        for marker in protected.markers where marker.partner != nil { pairedBefore[marker.text, default: 0] += 1 }
        for marker in MarkupScanner.scan(translation).markers where marker.partner != nil { pairedAfter[marker.text, default: 0] += 1 }
        precondition(pairedBefore.allSatisfy { pairedAfter[$0.key, default: 0] >= $0.value }, "tags no longer nest: \(text) → \(translation)")
    }
    return 0
}

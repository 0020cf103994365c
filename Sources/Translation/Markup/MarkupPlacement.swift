import Tokenization

/// Puts a source's markers back into its translation where the attention alignment says their
/// neighbours went.
///
/// Positions are piece boundaries: source boundary `b` lies before source piece `b` (0...S),
/// target boundary `t` before target piece `t` (0...T). `alignment[t]` is the source piece that
/// target piece `t` attended to most.
///
/// - A marker standing alone at source boundary `b` goes after the target word of the last piece
///   aligned to source piece `b - 1`; if none is, before the word of the first piece aligned to
///   piece `b`; if neither, by the nearest aligned source piece on either side.
/// - A tag pair around source pieces `s..<e` goes around the target pieces aligned into that
///   range (whole words), clipped into its parent pair's range and after its previous sibling,
///   so that the result nests as the source does. A pair with no aligned piece stays empty, at
///   the place a lone marker at `s` would take.
/// - An accelerator goes before its key in the target word aligned to the marked source piece;
///   in a target written without cases (Chinese, Japanese, Korean) it goes last, as `(~K)`, the
///   way LibreOffice's translators write it there.
/// - A glossary term replaces the target words aligned to its source words (their longest run
///   of neighbours), unless the translation already holds it (`satisfied`); with no word aligned,
///   it goes where a lone marker would.
/// - With no target pieces at all, every marker is appended in source order (`appended`).
public struct MarkupPlacement {
    /// How the markers got into the translation.
    public enum Outcome: String, Sendable, Equatable {
        /// There was nothing to place.
        case none
        /// Placed by the alignment.
        case aligned
        /// The translation was empty: appended in source order. Check the line.
        case appended
        /// The translation holds markers or marks the source does not (the model wrote them). Check the line.
        case mismatch
    }

    let protected: ProtectedText
    /// Source boundary of each marker and source piece of each accelerator's key.
    let markerBoundaries: [Int]
    /// Where the source pieces a marker stands for end: a glossary term whose words the model
    /// saw spans `markerBoundaries[i]..<markerEnds[i]`; every other marker is empty there.
    let markerEnds: [Int]
    let acceleratorPieces: [Int]
    let sourceCount: Int
    /// Target pieces (specials removed) and their alignment.
    var pieces: [String]
    let alignment: [Int]
    /// Accelerators go inside the target word (cased scripts) or last in parentheses.
    let acceleratorInWord: Bool
    /// The target puts spaces between words (glossary terms get them).
    let targetUsesSpaces: Bool
    /// Target pieces that a glossary term replaces.
    private var deleted: [Bool]
    /// Glossary terms (marker indices) that the translation already holds: left as they are.
    let satisfied: Set<Int>

    /// Where each target piece's word starts and ends (subword pieces of one word share them).
    private let wordStart: [Int]
    private let wordEnd: [Int]

    /// A placement of `protected`'s markers, at `markerBoundaries` among `sourceCount` source
    /// pieces, into the target `pieces` (no specials) with their `alignment`.
    public init(protected: ProtectedText, markerBoundaries: [Int], markerEnds: [Int]? = nil, acceleratorPieces: [Int],
                sourceCount: Int, pieces: [String], alignment: [Int], acceleratorInWord: Bool, targetUsesSpaces: Bool = true,
                satisfied: Set<Int> = []) {
        self.protected = protected
        self.satisfied = satisfied
        self.markerBoundaries = markerBoundaries
        self.markerEnds = markerEnds ?? markerBoundaries
        self.targetUsesSpaces = targetUsesSpaces
        deleted = [Bool](repeating: false, count: pieces.count)
        self.acceleratorPieces = acceleratorPieces
        self.sourceCount = sourceCount
        self.pieces = pieces
        self.alignment = alignment
        self.acceleratorInWord = acceleratorInWord
        var start = [Int](repeating: 0, count: pieces.count), end = [Int](repeating: 0, count: pieces.count)
        for t in pieces.indices { start[t] = t > 0 && Self.isInsideWord(pieces[t - 1], pieces[t]) ? start[t - 1] : t }
        for t in pieces.indices.reversed() { end[t] = t + 1 < pieces.count && Self.isInsideWord(pieces[t], pieces[t + 1]) ? end[t + 1] : t + 1 }
        wordStart = start
        wordEnd = end
    }

    /// The translation with the markers in place, and how they got there.
    public mutating func text() -> (String, Outcome) {
        if protected.isPlain { return (Tokenizer.detokenize(pieces), .none) }
        guard !pieces.isEmpty else {
            // Nothing to anchor to: the source order, which is balanced, plus the marks in parentheses.
            let group = protected.markers.indices.map(member) + protected.accelerators.map { literal(Self.parenthesized($0)) }
            return (assemble(runs: [[], []], groups: [group]), .appended)
        }
        var items: [(position: Int, order: Int, member: Member)] = []
        let (positions, replaced) = markerPositions()
        for range in replaced { for t in range { deleted[t] = true } }
        for (position, index) in positions { items.append((position, index, member(index))) }
        for (i, accelerator) in protected.accelerators.enumerated() {
            if acceleratorInWord, insertInWord(accelerator, near: acceleratorPieces[i]) { continue }
            items.append((trailingPosition(), -1, literal(Self.parenthesized(accelerator))))
        }
        // At one boundary, source order: it nests as the source does (see `markerPositions`).
        items.sort { ($0.position, $0.order) < ($1.position, $1.order) }
        var runs: [[String]] = [[]], groups: [[Member]] = [], spaces: [Bool] = []
        var next = 0
        for t in 0...pieces.count {
            if next < items.count, items[next].position == t {
                var group: [Member] = []
                while next < items.count, items[next].position == t {
                    group.append(items[next].member)
                    next += 1
                }
                groups.append(group)
                spaces.append(t > 0 && t < pieces.count && !pieces[t - 1].hasSuffix(Marks.joiner) && !pieces[t].hasPrefix(Marks.joiner))
                runs.append([])
            }
            if t < pieces.count, !deleted[t] { runs[runs.count - 1].append(pieces[t]) }
        }
        return (assemble(runs: runs, groups: groups, targetSpaces: spaces), .aligned)
    }

    // MARK: - Positions

    /// The target boundary of every marker, nested as in the source, and the target words that
    /// glossary terms replace.
    private func markerPositions() -> ([(Int, Int)], [Range<Int>]) {
        let markers = protected.markers
        var position = [Int](repeating: 0, count: markers.count)
        /// Per pair (by its opener), the range its children must stay in and the end of the last child placed.
        var range: [Int: (lower: Int, upper: Int, cursor: Int)] = [:]
        var top = (lower: 0, upper: pieces.count, cursor: 0)
        var replaced: [Range<Int>] = []
        for index in markers.indices {
            let marker = markers[index]
            if marker.kind == .closeTag, marker.partner != nil { continue }  // placed with its opener
            if satisfied.contains(index) { continue }
            let enclosing = marker.parent.flatMap { range[$0] } ?? top
            var lower: Int, upper: Int
            let span = marker.isPairedOpen ? marker.partner.map { (markerBoundaries[index], markerBoundaries[$0]) }
                : markerEnds[index] > markerBoundaries[index] ? (markerBoundaries[index], markerEnds[index]) : nil
            if let (s, e) = span {
                // A pair goes around the words aligned into its span; a term replaces them (only
                // the longest run of neighbouring ones: attention strays, and a term is a few words).
                var inside = alignment.indices.filter { alignment[$0] >= s && alignment[$0] < e }
                if marker.kind == .term { inside = Self.longestRun(inside) }
                if let first = inside.min(), let last = inside.max() {
                    lower = wordStart[first]
                    upper = wordEnd[last]
                } else {
                    lower = lonePosition(s)
                    upper = lower
                }
            } else {
                lower = lonePosition(markerBoundaries[index])
                upper = lower
            }
            // Inside the enclosing pair, after what was placed before it there.
            lower = min(max(lower, enclosing.lower, enclosing.cursor), enclosing.upper)
            upper = min(max(upper, lower), enclosing.upper)
            position[index] = lower
            if marker.kind == .term && upper > lower { replaced.append(lower..<upper) }
            if let closer = marker.partner, marker.isPairedOpen {
                position[closer] = upper
                range[index] = (lower, upper, lower)
            }
            if let parent = marker.parent, range[parent] != nil { range[parent]!.cursor = upper } else { top.cursor = upper }
        }
        return (markers.indices.filter { !satisfied.contains($0) }.map { (position[$0], $0) }, replaced)
    }

    /// The longest run of consecutive numbers in an ascending list (the first of equally long ones).
    static func longestRun(_ sorted: [Int]) -> [Int] {
        var best = sorted.prefix(0), start = 0
        for i in sorted.indices where i + 1 == sorted.count || sorted[i + 1] != sorted[i] + 1 {
            if i + 1 - start > best.count { best = sorted[start...i] }
            start = i + 1
        }
        return Array(best)
    }

    /// Where a marker alone at source boundary `b` goes.
    private func lonePosition(_ b: Int) -> Int {
        // The nearest source pieces on the left, then on the right, that some target piece attends to.
        var left = b - 1, right = b
        while left >= 0 || right < sourceCount {
            if left >= 0, let last = alignment.lastIndex(of: left) { return wordEnd[last] }
            if right < sourceCount, let first = alignment.firstIndex(of: right) { return wordStart[first] }
            left -= 1
            right += 1
        }
        return b == 0 ? 0 : pieces.count
    }

    /// The end of the translation, before its closing punctuation (`…`, `...`, `:`, `：`).
    private func trailingPosition() -> Int {
        var t = pieces.count
        while t > 0, Self.core(pieces[t - 1]).allSatisfy({ ".…:：".contains($0) }) { t -= 1 }
        return t == 0 ? pieces.count : t
    }

    /// Puts the mark before the key (or the first letter) of the target word aligned to `piece`.
    private mutating func insertInWord(_ accelerator: ProtectedText.Accelerator, near piece: Int) -> Bool {
        var target: Int?
        for distance in 0..<max(sourceCount, 1) {
            if let t = firstAligned(to: piece + distance) ?? firstAligned(to: piece - distance) {
                target = t
                break
            }
        }
        guard let target else { return false }
        let word = (wordStart[target]..<wordEnd[target]).filter { !deleted[$0] }
        let key = accelerator.key.lowercased()
        let choices: [(Character) -> Bool] = [{ $0.lowercased() == key }, { $0.isLetter || $0.isNumber }]
        for wanted in choices {
            for t in word {
                if let index = pieces[t].firstIndex(where: wanted) {
                    pieces[t].insert(accelerator.mark, at: index)
                    return true
                }
            }
        }
        return false
    }

    /// The first target piece left in place that attends to source piece `source`.
    private func firstAligned(to source: Int) -> Int? {
        alignment.indices.first { alignment[$0] == source && !deleted[$0] }
    }

    static func parenthesized(_ accelerator: ProtectedText.Accelerator) -> String {
        "(\(accelerator.mark)\(accelerator.key.uppercased()))"
    }

    // MARK: - Text

    /// A marker as it is joined to its neighbours.
    private struct Member {
        var text: String
        var index: Int?
        var kind: ProtectedText.Marker.Kind?
        /// Whether the source had a space before / after it.
        var space: (before: Bool, after: Bool)
    }

    private func member(_ index: Int) -> Member {
        let marker = protected.markers[index]
        // Tags take the target's spacing (Chinese has none around them), terms the target's
        // spacing between words; the rest keep the source's.
        let isTag = marker.kind == .openTag || marker.kind == .closeTag
        let space = marker.kind == .term ? (targetUsesSpaces, targetUsesSpaces) : isTag ? (false, false) : (marker.spaceBefore, marker.spaceAfter)
        return Member(text: marker.text, index: index, kind: marker.kind, space: space)
    }

    private func literal(_ text: String) -> Member {
        Member(text: text, index: nil, kind: nil, space: (false, false))
    }

    /// `runs[0] groups[0] runs[1] … runs[n]`: runs of pieces detokenized, each group of markers
    /// joined with the source's spacing (never a space against punctuation); where the target had
    /// a space between two words that a group of tags now stands between, it goes outside the
    /// tags (before the first opening tag, else after the last closing one; around an empty pair).
    private func assemble(runs: [[String]], groups: [[Member]], targetSpaces: [Bool]? = nil) -> String {
        var out = Tokenizer.detokenize(runs[0])
        for (g, group) in groups.enumerated() {
            let left = out.last, right = Tokenizer.detokenize(runs[g + 1])
            var gaps = [Bool](repeating: false, count: group.count + 1)
            // A space also wherever touching would change what a marker reads as (`%MOD2` then
            // "Shift" reads as `%MOD2S`, `#1` after a letter as text).
            if let c = left, !c.isWhitespace {
                gaps[0] = (group[0].space.before && !c.isPunctuation) || !Self.staysWhole(group[0], after: c)
            }
            for i in 1..<group.count {
                let (left, right) = (group[i - 1], group[i])
                let apart = left.text.last.map { !Self.staysWhole(right, after: $0) } == true
                    || right.text.first.map { !Self.staysWhole(left, followedBy: $0) } == true
                gaps[i] = left.space.after || right.space.before || apart
            }
            if let c = right.first, !c.isWhitespace, let last = group.last {
                gaps[group.count] = (last.space.after && !c.isPunctuation) || !Self.staysWhole(last, followedBy: c)
            }
            let hasTags = group.contains { $0.kind == .openTag || $0.kind == .closeTag }
            if targetSpaces?[g] == true, !hasTags {
                // Between two words the target spaces, a placeholder stands like a word.
                (gaps[0], gaps[group.count]) = (true, true)
            } else if targetSpaces?[g] == true, !gaps.contains(true) {
                let indices = Set(group.compactMap(\.index))
                if group.contains(where: { $0.index.flatMap { protected.markers[$0].partner }.map(indices.contains) == true }) {
                    // A pair with nothing inside stands between the words like one.
                    (gaps[0], gaps[group.count]) = (true, true)
                } else if let open = group.firstIndex(where: { $0.kind == .openTag }) {
                    gaps[open] = true
                } else if let close = group.lastIndex(where: { $0.kind == .closeTag }) {
                    gaps[close + 1] = true
                }
            }
            for (i, member) in group.enumerated() {
                if gaps[i] && !out.isEmpty { out += " " }
                out += member.text
            }
            if gaps[group.count] && !right.isEmpty { out += " " }
            out += right
        }
        return out
    }

    /// `MarkupScanner.staysWhole` for a member; glossary terms and literals are plain text.
    private static func staysWhole(_ member: Member, followedBy c: Character) -> Bool {
        member.index == nil || member.kind == .term || MarkupScanner.staysWhole(member.text, followedBy: c)
    }

    private static func staysWhole(_ member: Member, after c: Character) -> Bool {
        member.index == nil || member.kind == .term || MarkupScanner.staysWhole(member.text, after: c)
    }

    // MARK: - Pieces

    /// Whether the boundary between two pieces splits a word (a subword's joiner, not punctuation's).
    static func isInsideWord(_ left: String, _ right: String) -> Bool {
        left.hasSuffix(Marks.joiner) && !right.hasPrefix(Marks.joiner)
            && core(left).contains { $0.isLetter || $0.isNumber } && core(right).contains { $0.isLetter || $0.isNumber }
    }

    /// A piece's text without joiners.
    static func core(_ piece: String) -> Substring {
        var s = Substring(piece)
        while s.hasPrefix(Marks.joiner) { s = s.dropFirst() }
        while s.hasSuffix(Marks.joiner) { s = s.dropLast() }
        return s
    }
}

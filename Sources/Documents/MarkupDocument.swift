import CXML2
import Translation

/// An HTML or XML document cut into the pieces of text a translator sees, and put back together
/// with their translations; everything else (structure, attributes, code) comes out as it went in.
///
/// Parsed by libxml2. A *segment* is a run of sibling text and inline elements between block
/// elements, with its inline tags inside:
///
///     <p>Select <b>Format - Cells</b>, then <code>Ctrl+1</code>.</p>
///     segment:  Select <b>Format - Cells</b>, then <!--fanyi-kept 0-->.
///
/// The translator keeps the tags (markup protection) and puts them where the words went. Which
/// elements are inline: in HTML, every element but the block ones (`p`, `li`, `div`, `td`, …)
/// that holds no block element; in XML, every child of an element that holds text of its own
/// (mixed content). Text without a letter is left as it is.
///
/// Never translated: `translate="no"` (and `its:translate="no"`, `class="notranslate"`) with
/// everything inside; in HTML also `code`, `kbd`, `samp`, `var`, `pre`, `script`, `style`,
/// `textarea`, `svg`, `math`; comments, CDATA and processing instructions. Such a node inside a
/// segment is swapped for a comment the translator copies unchanged, and swapped back after.
/// HTML's `alt`, `title`, `placeholder` and `aria-label` attributes are segments of their own.
///
/// Whitespace inside a segment is collapsed to single spaces, as HTML shows it (not under
/// `xml:space="preserve"`); the whitespace around it is kept.
public final class MarkupDocument {
    public enum Format: String, Sendable, CaseIterable {
        case html, xml
    }

    public let format: Format
    /// Which XML elements are paragraphs, kept, or properties (`.generic` for any XML and HTML).
    public let dialect: XMLDialect
    /// The text to translate, in document order.
    public var segments: [String] { pieces.map(\.text) }

    private let document: xmlDocPtr
    /// HTML given without `<html>`/`<body>`/doctype: written back the same way.
    private let isFragment: Bool
    /// XML that began with `<?xml …?>`: written back with one.
    private let hasDeclaration: Bool
    private var pieces: [Piece] = []
    /// Nodes taken out of segments while they are translated (index = placeholder number). They
    /// wait under `parking`, an element at the end of the root, so that the namespaces declared
    /// above stay in scope for segments inside them.
    private var keptNodes: [xmlNodePtr] = []
    private var parking: xmlNodePtr?
    /// Attribute values to translate, written as tokens in their elements meanwhile.
    private var attributeCount = 0

    private struct Piece {
        var text: String
        var place: Place
    }

    private enum Place {
        /// Sibling nodes `first` … `last`, and the whitespace around their text.
        case run(first: xmlNodePtr, last: xmlNodePtr, leading: String, trailing: String, placeholders: [String])
        /// The value of an attribute, replaced meanwhile by `token`.
        case attribute(token: String)
    }

    /// Parses `text`; malformed XML is an error naming `name` and the line (HTML is read as
    /// browsers do, leniently).
    public convenience init(_ text: String, format: Format, name: String = "input") throws(DocumentError) {
        try self.init(text, format: format, dialect: .generic, name: name)
    }

    /// Parses `text` as XML of a known `dialect` (the parts of OpenDocument and Office Open XML files).
    public init(_ text: String, format: Format, dialect: XMLDialect, name: String) throws(DocumentError) {
        Self.initialize
        self.format = format
        self.dialect = dialect
        let head = text.drop(while: { $0.isWhitespace || $0 == "\u{FEFF}" }).prefix(2048).lowercased()
        hasDeclaration = head.hasPrefix("<?xml")
        switch format {
        case .html:
            isFragment = !["<html", "<body", "<head", "<!doctype"].contains { head.contains($0) }
            // A fragment goes inside <body> itself: text at the top would otherwise be wrapped in
            // an implied <p>.
            let source = isFragment ? "<html><body>\(text)</body></html>" : text
            let parsed = source.withCString { htmlReadMemory($0, Int32(source.utf8.count), nil, "UTF-8", Self.htmlOptions) }
            guard let parsed else { throw .malformed(name: name, line: 0, message: "libxml2 could not read it as HTML") }
            document = parsed
        case .xml:
            isFragment = false
            guard let context = xmlNewParserCtxt() else { throw .malformed(name: name, line: 0, message: "out of memory") }
            defer { xmlFreeParserCtxt(context) }
            let parsed = text.withCString { xmlCtxtReadMemory(context, $0, Int32(text.utf8.count), nil, "UTF-8", Self.xmlOptions) }
            guard let parsed, context.pointee.wellFormed != 0 else {
                if let parsed { xmlFreeDoc(parsed) }
                let error = xmlCtxtGetLastError(context)
                let message = error?.pointee.message.map { String(cString: $0).trimmingWhitespace } ?? "not well-formed"
                throw .malformed(name: name, line: Int(error?.pointee.line ?? 0), message: message)
            }
            document = parsed
        }
        guard let root = xmlDocGetRootElement(document) else { return }
        // libxml2 stops XML at this depth; HTML is held to it too (the walk below recurses).
        // (Thrown after every property is set: deinit frees the document.)
        if Self.depth(of: root) > Self.maximumDepth {
            throw .malformed(name: name, line: 0, message: "elements nested deeper than \(Self.maximumDepth)")
        }
        if dialect.runs { WordRuns.unwrap(below: root, dialect: dialect) }
        visit(root)
    }

    deinit {
        // Kept nodes are parked inside the document: freed with it.
        xmlFreeDoc(document)
    }

    /// Puts `translations[i]` in place of segment `i`. A translation that does not parse, or that
    /// lost one of the placeholders of the nodes kept out of it, is not used: the segment keeps its
    /// source text. Returns the indices of those segments.
    @discardableResult
    public func replaceSegments(with translations: [String]) -> [Int] {
        precondition(translations.count == pieces.count, "one translation per segment")
        var refused: [Int] = []
        var attributeValues: [String: String] = [:]
        for (index, (piece, translation)) in zip(pieces, translations).enumerated() {
            switch piece.place {
            case .attribute(let token):
                attributeValues[token] = translation
            case let .run(first, last, leading, trailing, placeholders):
                let markup = Self.escapingStrayMarkup(translation, source: piece.text)
                if !replace(first: first, last: last, with: leading + markup + trailing, placeholders: placeholders) {
                    refused.append(index)
                }
            }
        }
        restore(attributeValues: attributeValues)
        if dialect.runs, let root = xmlDocGetRootElement(document) { WordRuns.rewrap(below: root, dialect: dialect) }
        pieces = []
        return refused
    }

    /// The document as text (UTF-8, characters as they are rather than entities).
    public func serialized() -> String {
        switch format {
        case .html:
            guard let output = xmlAllocOutputBuffer(nil) else { return "" }
            defer { xmlOutputBufferClose(output) }
            if isFragment, let body = Self.body(of: document) {
                for node in Self.children(of: body) { htmlNodeDumpFormatOutput(output, document, node, "UTF-8", 0) }
            } else {
                htmlDocContentDumpFormatOutput(output, document, "UTF-8", 0)
            }
            xmlOutputBufferFlush(output)
            return xmlOutputBufferGetContent(output).map { String(cString: $0) } ?? ""
        case .xml:
            guard let buffer = xmlBufferCreate() else { return "" }
            defer { xmlBufferFree(buffer) }
            let options = hasDeclaration ? 0 : Int32(XML_SAVE_NO_DECL.rawValue)
            guard let save = xmlSaveToBuffer(buffer, "UTF-8", options) else { return "" }
            xmlSaveDoc(save, document)
            xmlSaveClose(save)
            return xmlBufferContent(buffer).map { String(cString: $0) } ?? ""
        }
    }

    // MARK: - Cutting into segments

    private func visit(_ element: xmlNodePtr) {
        takeAttributes(of: element)
        let mixed = format == .xml && (Self.holdsText(element) || dialect.paragraphs.contains(Self.key(of: element)))
        var run: [xmlNodePtr] = []
        for child in Self.children(of: element) {
            if isInline(child, mixedParent: mixed) {
                run.append(child)
                continue
            }
            takeRun(run)
            run = []
            if child.pointee.type == XML_ELEMENT_NODE && !isKept(child) { visit(child) }
        }
        takeRun(run)
    }

    /// Makes a segment of sibling nodes that hold some text.
    private func takeRun(_ run: [xmlNodePtr]) {
        guard !run.isEmpty else { return }
        guard run.contains(where: { translatableText(in: $0) }) else {
            for node in run where node.pointee.type == XML_ELEMENT_NODE {
                if holdsParagraph(node) {
                    visit(node)
                } else if !isKept(node) {
                    takeAttributesBelow(node)
                }
            }
            return
        }
        // The segment comes before the attributes found inside it.
        let index = pieces.count
        var placeholders: [String] = []
        var nodes: [xmlNodePtr] = []
        for node in run { nodes.append(prepare(node, placeholders: &placeholders)) }
        var text = Self.separatingCombiningMarks(nodes.map(dump).joined())
        let leading = String(text.prefix(while: \.isWhitespace))
        text.removeFirst(leading.count)
        let trailing = String(text.reversed().prefix(while: \.isWhitespace).reversed())
        text.removeLast(trailing.count)
        pieces.insert(Piece(text: text, place: .run(first: nodes[0], last: nodes[nodes.count - 1],
                                                    leading: leading, trailing: trailing, placeholders: placeholders)), at: index)
    }

    /// Readies a node of a segment: kept nodes become placeholder comments, whitespace collapses,
    /// attributes to translate become tokens. Returns the node that now stands where it stood.
    private func prepare(_ node: xmlNodePtr, placeholders: inout [String]) -> xmlNodePtr {
        switch node.pointee.type {
        case XML_TEXT_NODE:
            if xmlNodeGetSpacePreserve(node) != 1, let content = Self.content(of: node) {
                let collapsed = Self.collapsingWhitespace(content)
                if collapsed != content { xmlNodeSetContent(node, collapsed) }
            }
            return node
        case XML_ELEMENT_NODE where holdsParagraph(node):
            // A footnote or text frame inside a paragraph: its paragraphs are segments of their own.
            let comment = park(node, placeholders: &placeholders)
            visit(node)
            return comment
        case XML_ELEMENT_NODE where !isKept(node):
            takeAttributes(of: node)
            for child in Self.children(of: node) { _ = prepare(child, placeholders: &placeholders) }
            return node
        case XML_ENTITY_REF_NODE, XML_COMMENT_NODE:
            return node
        default:
            return park(node, placeholders: &placeholders)
        }
    }

    /// Swaps `node` for a placeholder comment and moves it under `parking` until `restore`.
    private func park(_ node: xmlNodePtr, placeholders: inout [String]) -> xmlNodePtr {
        let placeholder = "fanyi-kept \(keptNodes.count)"
        if parking == nil, let root = xmlDocGetRootElement(document) {
            parking = xmlNewChild(root, nil, "fanyi-parking", nil)
        }
        guard let parking, let comment = xmlNewDocComment(document, placeholder) else { return node }
        xmlReplaceNode(node, comment)
        xmlAddChild(parking, node)
        keptNodes.append(node)
        placeholders.append(placeholder)
        return comment
    }

    private func takeAttributesBelow(_ element: xmlNodePtr) {
        takeAttributes(of: element)
        for child in Self.children(of: element) where child.pointee.type == XML_ELEMENT_NODE && !isKept(child) {
            takeAttributesBelow(child)
        }
    }

    /// HTML attributes people read (alt text, tooltips) become segments of their own.
    private func takeAttributes(of element: xmlNodePtr) {
        guard format == .html else { return }
        for name in Self.translatedAttributes {
            guard let value = xmlGetProp(element, name) else { continue }
            let text = String(cString: value)
            fanyi_xml_free(value)
            guard text.contains(where: { $0.isLetter }) else { continue }
            let token = "fanyi-attribute-\(attributeCount)"
            attributeCount += 1
            xmlSetProp(element, name, token)
            pieces.append(Piece(text: Self.collapsingWhitespace(text).trimmingWhitespace, place: .attribute(token: token)))
        }
    }

    // MARK: - Putting translations back

    /// Replaces the nodes `first` … `last` by `markup` parsed in their parent, if it parses and
    /// holds each of `placeholders` once.
    private func replace(first: xmlNodePtr, last: xmlNodePtr, with markup: String, placeholders: [String]) -> Bool {
        guard let parent = first.pointee.parent, let parsed = parse(markup, in: parent) else { return false }
        var found: [String] = []
        for node in parsed { Self.collectPlaceholders(node, into: &found) }
        guard found.sorted() == placeholders.sorted() else {
            for node in parsed { xmlFreeNode(node) }
            return false
        }
        var old: [xmlNodePtr] = []
        var node: xmlNodePtr? = first
        while let current = node {
            old.append(current)
            if current == last { break }
            node = current.pointee.next
        }
        // An element marks the place: libxml2 merges a text node added next to a text node into
        // it, and the old nodes go.
        guard let anchor = xmlNewDocNode(document, nil, "fanyi-anchor", nil) else { return false }
        xmlAddPrevSibling(first, anchor)
        for node in old {
            xmlUnlinkNode(node)
            xmlFreeNode(node)
        }
        for new in parsed { xmlAddPrevSibling(anchor, new) }
        xmlUnlinkNode(anchor)
        xmlFreeNode(anchor)
        return true
    }

    /// `markup` as nodes of this document, or nil when it is not well-formed (XML).
    private func parse(_ markup: String, in parent: xmlNodePtr) -> [xmlNodePtr]? {
        switch format {
        case .html:
            // Parsed inside a <body> of its own: the HTML parser never fails, it repairs.
            let wrapped = "<html><body>\(markup)</body></html>"
            guard let scratch = wrapped.withCString({ htmlReadMemory($0, Int32(wrapped.utf8.count), nil, "UTF-8", Self.htmlOptions) })
            else { return nil }
            defer { xmlFreeDoc(scratch) }
            guard let body = Self.body(of: scratch) else { return nil }
            return Self.children(of: body).compactMap { xmlDocCopyNode($0, document, 1) }
        case .xml:
            var list: xmlNodePtr?
            let status = markup.withCString { xmlParseInNodeContext(parent, $0, Int32(markup.utf8.count), Self.xmlOptions, &list) }
            var nodes: [xmlNodePtr] = []
            var node = list
            while let current = node {
                nodes.append(current)
                node = current.pointee.next
            }
            guard status == XML_ERR_OK else {
                if let list { xmlFreeNodeList(list) }
                return nil
            }
            // Apart from each other: each is added on its own.
            for node in nodes { xmlUnlinkNode(node) }
            return nodes
        }
    }

    /// Swaps each placeholder comment back for its kept node, and each attribute token for its translation.
    private func restore(attributeValues: [String: String]) {
        guard let root = xmlDocGetRootElement(document) else { return }
        // Found first, swapped after: a kept node may hold placeholders of its own.
        var comments: [(xmlNodePtr, Int)] = []
        var stack: [xmlNodePtr] = [root]
        while let node = stack.popLast() {
            switch node.pointee.type {
            case XML_COMMENT_NODE:
                if let text = Self.content(of: node), text.hasPrefix("fanyi-kept "),
                   let number = Int(text.dropFirst("fanyi-kept ".count)), keptNodes.indices.contains(number) {
                    comments.append((node, number))
                }
            case XML_ELEMENT_NODE:
                if !attributeValues.isEmpty {
                    for name in Self.translatedAttributes {
                        guard let value = xmlGetProp(node, name) else { continue }
                        let token = String(cString: value)
                        fanyi_xml_free(value)
                        if let translation = attributeValues[token] { xmlSetProp(node, name, translation) }
                    }
                }
                stack += Self.children(of: node)
            default:
                break
            }
        }
        var restored = Set<Int>()
        for (comment, number) in comments where restored.insert(number).inserted {
            xmlUnlinkNode(keptNodes[number])
            xmlReplaceNode(comment, keptNodes[number])
            xmlFreeNode(comment)
        }
        if let parking {
            xmlUnlinkNode(parking)
            xmlFreeNode(parking)
            self.parking = nil
        }
        keptNodes = []
    }

    /// `markup` with every mark that would join the markup character before it into one
    /// character (`>` + U+0308 is one `Character` in Swift, and no tag scanner then sees the `>`)
    /// written as a character reference, which reads back as the same text.
    static func separatingCombiningMarks(_ markup: String) -> String {
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        for scalar in markup.unicodeScalars {
            if let before = previous, "<>\"'=;&/".unicodeScalars.contains(before),
               scalar.properties.isGraphemeExtend || scalar.properties.generalCategory == .spacingMark || scalar == "\u{200D}" {
                out.append(contentsOf: "&#x\(String(scalar.value, radix: 16, uppercase: true));".unicodeScalars)
                // The reference ends in ';', which a further mark would join: it is written out too.
                previous = ";"
                continue
            }
            out.append(scalar)
            previous = scalar
        }
        return String(out)
    }

    /// `translation` with every `<`, `>` and `&` escaped except those of the source segment's own
    /// tags, comments and entities (each as often as the source has it): a model may write such
    /// characters itself, and they must stay text, not become markup.
    static func escapingStrayMarkup(_ translation: String, source: String) -> String {
        var allowed: [String: Int] = [:]
        for marker in MarkupScanner.scan(source).markers where [.openTag, .closeTag, .emptyTag, .entity].contains(marker.kind) {
            allowed[marker.text, default: 0] += 1
        }
        // Scalar by scalar: a mark after `>` in the model's output must not hide the `>`.
        let known = allowed.keys.sorted { $0.unicodeScalars.count > $1.unicodeScalars.count }
        var out = String.UnicodeScalarView()
        var rest = translation.unicodeScalars[...]
        while let scalar = rest.first {
            if scalar == "<" || scalar == "&",
               let marker = known.first(where: { rest.starts(with: $0.unicodeScalars) && allowed[$0, default: 0] > 0 }) {
                out.append(contentsOf: marker.unicodeScalars)
                allowed[marker, default: 0] -= 1
                rest = rest.dropFirst(marker.unicodeScalars.count)
                continue
            }
            switch scalar {
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            default: out.append(scalar)
            }
            rest = rest.dropFirst()
        }
        return String(out)
    }

    // MARK: - What is what

    private func isInline(_ node: xmlNodePtr, mixedParent: Bool) -> Bool {
        switch node.pointee.type {
        case XML_TEXT_NODE, XML_ENTITY_REF_NODE, XML_COMMENT_NODE:
            return true
        case XML_ELEMENT_NODE:
            switch format {
            case .xml: return mixedParent && !dialect.outside.contains(Self.key(of: node))
            // Unknown and custom elements are phrasing content, as in browsers.
            case .html: return !Self.htmlBlock.contains(Self.name(of: node)) && !holdsBlock(node)
            }
        case XML_CDATA_SECTION_NODE, XML_PI_NODE:
            return mixedParent
        default:
            return false
        }
    }

    private func holdsBlock(_ element: xmlNodePtr) -> Bool {
        Self.children(of: element).contains { child in
            child.pointee.type == XML_ELEMENT_NODE && !isInline(child, mixedParent: false)
        }
    }

    /// Whether an element holds one of the dialect's paragraphs, at any depth.
    private func holdsParagraph(_ element: xmlNodePtr) -> Bool {
        guard !dialect.paragraphs.isEmpty else { return false }
        var stack = Self.children(of: element).filter { $0.pointee.type == XML_ELEMENT_NODE }
        while let node = stack.popLast() {
            if dialect.paragraphs.contains(Self.key(of: node)) { return true }
            stack += Self.children(of: node).filter { $0.pointee.type == XML_ELEMENT_NODE }
        }
        return false
    }

    /// Left alone with all it holds.
    private func isKept(_ element: xmlNodePtr) -> Bool {
        guard element.pointee.type == XML_ELEMENT_NODE else { return true }
        if dialect.kept.contains(Self.key(of: element)) { return true }
        if format == .html && Self.htmlKept.contains(Self.name(of: element)) { return true }
        if Self.attribute("translate", of: element)?.lowercased() == "no" { return true }
        if Self.attribute("class", of: element)?.split(separator: " ").contains("notranslate") == true { return true }
        // A start tag longer than the translator takes as one marker (an inline data: image) could
        // not pass through it unchanged: such an element is left alone.
        return Self.startTagLength(element) > MarkupScanner.maximumSpan / 2
    }

    /// Whether the node holds text a translator would translate (not inside kept nodes).
    private func translatableText(in node: xmlNodePtr) -> Bool {
        switch node.pointee.type {
        case XML_TEXT_NODE:
            // Text without a letter ("2024", "–", ".") is left as it is: a model asked to
            // translate it alone makes words up.
            return Self.content(of: node)?.contains(where: \.isLetter) ?? false
        case XML_ELEMENT_NODE:
            return !isKept(node) && !holdsParagraph(node) && Self.children(of: node).contains(where: translatableText)
        default:
            return false
        }
    }

    private func dump(_ node: xmlNodePtr) -> String {
        guard let output = xmlAllocOutputBuffer(nil) else { return "" }
        defer { xmlOutputBufferClose(output) }
        switch format {
        case .html: htmlNodeDumpFormatOutput(output, document, node, "UTF-8", 0)
        case .xml: xmlNodeDumpOutput(output, document, node, 0, 0, "UTF-8")
        }
        xmlOutputBufferFlush(output)
        return xmlOutputBufferGetContent(output).map { String(cString: $0) } ?? ""
    }

    // MARK: - libxml2 helpers

    /// Once per process: libxml2's global state (thread-safe from then on).
    private static let initialize: Void = xmlInitParser()
    static let htmlOptions = Int32(HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
                                   | HTML_PARSE_NONET.rawValue | HTML_PARSE_NODEFDTD.rawValue)
    /// No network, no entity expansion from outside (no XXE), no messages on stderr.
    static let xmlOptions = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)

    /// HTML elements that start a new block of text; every other element flows inside one.
    static let htmlBlock: Set<String> = [
        "address", "article", "aside", "audio", "base", "blockquote", "body", "canvas", "caption", "center", "col",
        "colgroup", "dd", "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
        "form", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "iframe",
        "legend", "li", "link", "main", "menu", "meta", "nav", "noscript", "ol", "optgroup", "option", "p", "pre",
        "section", "select", "summary", "table", "tbody", "td", "template", "tfoot", "th", "thead", "title", "tr",
        "ul", "video",
    ]
    static let htmlKept: Set<String> = ["code", "kbd", "samp", "var", "pre", "script", "style", "textarea", "svg", "math"]
    static let translatedAttributes = ["alt", "title", "placeholder", "aria-label"]

    static let maximumDepth = 256

    /// The deepest nesting of elements under `root`, counted without recursion.
    static func depth(of root: xmlNodePtr) -> Int {
        var deepest = 0
        var stack: [(xmlNodePtr, Int)] = [(root, 1)]
        while let (node, depth) = stack.popLast() {
            deepest = max(deepest, depth)
            if depth > maximumDepth { break }
            for child in children(of: node) where child.pointee.type == XML_ELEMENT_NODE { stack.append((child, depth + 1)) }
        }
        return deepest
    }

    static func children(of node: xmlNodePtr) -> [xmlNodePtr] {
        var out: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            out.append(current)
            child = current.pointee.next
        }
        return out
    }

    static func name(of node: xmlNodePtr) -> String {
        node.pointee.name.map { String(cString: $0).lowercased() } ?? ""
    }

    /// An element's namespace and local name, as `XMLDialect` lists them: `uri|name`.
    static func key(of node: xmlNodePtr) -> String {
        let local = node.pointee.name.map { String(cString: $0) } ?? ""
        guard let namespace = node.pointee.ns, let href = namespace.pointee.href else { return local }
        return String(cString: href) + "|" + local
    }

    static func content(of node: xmlNodePtr) -> String? {
        node.pointee.content.map { String(cString: $0) }
    }

    static func attribute(_ name: String, of element: xmlNodePtr) -> String? {
        guard let value = xmlGetProp(element, name) else { return nil }
        defer { fanyi_xml_free(value) }
        return String(cString: value)
    }

    /// About how long the element's start tag is: its name and attributes.
    static func startTagLength(_ element: xmlNodePtr) -> Int {
        var length = name(of: element).utf8.count + 2
        var attribute = element.pointee.properties
        while let current = attribute {
            length += (current.pointee.name.map { String(cString: $0).utf8.count } ?? 0) + 4
            if let value = xmlNodeGetContent(UnsafeMutableRawPointer(current).assumingMemoryBound(to: xmlNode.self)) {
                length += String(cString: value).utf8.count
                fanyi_xml_free(value)
            }
            attribute = current.pointee.next
        }
        return length
    }

    static func holdsText(_ element: xmlNodePtr) -> Bool {
        children(of: element).contains { child in
            (child.pointee.type == XML_TEXT_NODE && content(of: child)?.contains(where: { !$0.isWhitespace }) == true)
                || child.pointee.type == XML_ENTITY_REF_NODE
        }
    }

    static func body(of document: xmlDocPtr) -> xmlNodePtr? {
        guard let root = xmlDocGetRootElement(document) else { return nil }
        return children(of: root).first { $0.pointee.type == XML_ELEMENT_NODE && name(of: $0) == "body" }
    }

    static func collectPlaceholders(_ node: xmlNodePtr, into found: inout [String]) {
        if node.pointee.type == XML_COMMENT_NODE, let text = content(of: node), text.hasPrefix("fanyi-kept ") {
            found.append(text)
        }
        for child in children(of: node) { collectPlaceholders(child, into: &found) }
    }

    static func collapsingWhitespace(_ text: String) -> String {
        var out = ""
        var inSpace = false
        for character in text {
            // U+00A0 is a character of the text, not layout: kept.
            if character == " " || character == "\n" || character == "\t" || character == "\r" || character == "\u{0C}" {
                if !inSpace { out.append(" ") }
                inSpace = true
            } else {
                out.append(character)
                inSpace = false
            }
        }
        return out
    }
}

extension String {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

extension MarkupDocument {
    /// The text an element holds, all its descendants' text together.
    static func content(ofElement node: xmlNodePtr) -> String {
        guard let value = xmlNodeGetContent(node) else { return "" }
        defer { fanyi_xml_free(value) }
        return String(cString: value)
    }
}

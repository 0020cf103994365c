import CXML2

/// Office Open XML keeps a paragraph's text in runs, each with its formatting:
///
///     <w:p><w:r><w:t>Select </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>Format</w:t></w:r></w:p>
///
/// Words that move in translation must take their formatting along, and no text may end up
/// outside a run. So before cutting, each paragraph's runs are unwrapped: runs in the
/// paragraph's most used formatting become plain text, the others `<fanyi-f k="N">` tags
/// (N numbers the document's distinct `w:rPr`):
///
///     <w:p fanyi-base="0">Select <fanyi-f k="1">Format</fanyi-f></w:p>
///
/// and after translation every piece of text is wrapped in a run again, with the formatting of
/// the tag it ended up in. Tabs, breaks and other run content travel as tags; a run holding
/// anything else stays whole and is left alone.
enum WordRuns {
    /// Elements a run holds besides its properties and text (ECMA-376 EG_RunInnerContent).
    static let runContent: Set<String> = Set([
        "br", "tab", "ptab", "cr", "noBreakHyphen", "softHyphen", "lastRenderedPageBreak", "drawing", "pict", "object",
        "fldChar", "instrText", "sym", "footnoteReference", "endnoteReference", "commentReference", "footnoteRef",
        "endnoteRef", "annotationRef", "separator", "continuationSeparator", "pgNum", "contentPart",
        "dayShort", "dayLong", "monthShort", "monthLong", "yearShort", "yearLong",
    ].map { "\(XMLDialect.word)|\($0)" })
    /// Paragraph-level elements that hold runs of the same paragraph.
    static let wrappers: Set<String> = Set(["hyperlink", "ins", "smartTag", "customXml", "fldSimple", "moveTo", "dir", "bdo"]
        .map { "\(XMLDialect.word)|\($0)" })

    static let formatTag = "fanyi-f"
    static let baseAttribute = "fanyi-base"

    // MARK: - Before cutting

    /// Unwraps the runs of every paragraph below `root`; the distinct run properties are parked
    /// in a `fanyi-formats` element at the end of `root` (the N of `k="N"` is their index).
    static func unwrap(below root: xmlNodePtr, dialect: XMLDialect) {
        guard let store = xmlNewChild(root, nil, "fanyi-formats", nil) else { return }
        var keys: [String: Int] = [:]
        func format(of run: xmlNodePtr) -> Int {
            let properties = MarkupDocument.children(of: run).first { MarkupDocument.key(of: $0) == "\(XMLDialect.word)|rPr" }
            let key = properties.map { dump($0) } ?? ""
            if let index = keys[key] { return index }
            let holder = xmlNewChild(store, nil, "fanyi-format", nil)
            if let properties, let holder { xmlAddChild(holder, xmlCopyNode(properties, 1)) }
            keys[key] = keys.count
            return keys.count - 1
        }
        for paragraph in elements(below: root, key: "\(XMLDialect.word)|p") {
            // The formatting that covers the most characters stays implicit.
            var characters: [Int: Int] = [:]
            var runs: [(xmlNodePtr, Int)] = []
            collectRuns(in: paragraph, into: &runs, format: format)
            guard !runs.isEmpty else { continue }
            for (run, index) in runs { characters[index, default: 0] += text(of: run).count }
            let base = characters.max { ($0.value, -$0.key) < ($1.value, -$1.key) }!.key
            xmlSetProp(paragraph, baseAttribute, String(base))
            for (run, index) in runs { unwrap(run, format: index, base: base) }
            mergeAdjacentTags(in: paragraph)
        }
    }

    /// Runs that hold only properties and run content, in this paragraph (and its hyperlinks,
    /// insertions, …), with their format index.
    private static func collectRuns(in container: xmlNodePtr, into runs: inout [(xmlNodePtr, Int)], format: (xmlNodePtr) -> Int) {
        for child in MarkupDocument.children(of: container) where child.pointee.type == XML_ELEMENT_NODE {
            let key = MarkupDocument.key(of: child)
            if key == "\(XMLDialect.word)|r" {
                let simple = MarkupDocument.children(of: child).allSatisfy { part in
                    guard part.pointee.type == XML_ELEMENT_NODE else { return false }
                    let partKey = MarkupDocument.key(of: part)
                    return partKey == "\(XMLDialect.word)|rPr" || partKey == "\(XMLDialect.word)|t" || runContent.contains(partKey)
                }
                if simple { runs.append((child, format(child))) }
            } else if wrappers.contains(key) {
                collectRuns(in: child, into: &runs, format: format)
            }
        }
    }

    private static func unwrap(_ run: xmlNodePtr, format: Int, base: Int) {
        var contents: [xmlNodePtr] = []
        for part in MarkupDocument.children(of: run) {
            let key = MarkupDocument.key(of: part)
            if key == "\(XMLDialect.word)|rPr" { continue }
            xmlUnlinkNode(part)
            if key == "\(XMLDialect.word)|t" {
                let value = MarkupDocument.content(ofElement: part)
                xmlFreeNode(part)
                if let text = xmlNewDocText(run.pointee.doc, value) { contents.append(text) }
            } else {
                contents.append(part)
            }
        }
        if format == base {
            for node in contents { xmlAddPrevSibling(run, node) }
        } else if let tag = xmlNewDocNode(run.pointee.doc, nil, formatTag, nil) {
            xmlSetProp(tag, "k", String(format))
            for node in contents { xmlAddChild(tag, node) }
            xmlAddPrevSibling(run, tag)
        }
        xmlUnlinkNode(run)
        xmlFreeNode(run)
    }

    /// Two bold runs in a row become one tag.
    private static func mergeAdjacentTags(in container: xmlNodePtr) {
        var previous: xmlNodePtr?
        for child in MarkupDocument.children(of: container) {
            if isFormatTag(child), let before = previous, isFormatTag(before),
               MarkupDocument.attribute("k", of: before) == MarkupDocument.attribute("k", of: child) {
                for node in MarkupDocument.children(of: child) {
                    xmlUnlinkNode(node)
                    xmlAddChild(before, node)
                }
                xmlUnlinkNode(child)
                xmlFreeNode(child)
                continue
            }
            if wrappers.contains(MarkupDocument.key(of: child)) { mergeAdjacentTags(in: child) }
            previous = child
        }
    }

    // MARK: - After translation

    /// Wraps the text of every unwrapped paragraph below `root` in runs again and drops the
    /// parked formats.
    static func rewrap(below root: xmlNodePtr, dialect: XMLDialect) {
        guard let store = MarkupDocument.children(of: root).last(where: { MarkupDocument.name(of: $0) == "fanyi-formats" }) else { return }
        let formats: [xmlNodePtr?] = MarkupDocument.children(of: store).map { MarkupDocument.children(of: $0).first }
        for paragraph in elements(below: root, key: "\(XMLDialect.word)|p") {
            guard let value = MarkupDocument.attribute(baseAttribute, of: paragraph) else { continue }
            xmlUnsetProp(paragraph, baseAttribute)
            let base = Int(value).flatMap { formats.indices.contains($0) ? $0 : nil } ?? 0
            rebuild(paragraph, format: base, formats: formats)
        }
        xmlUnlinkNode(store)
        xmlFreeNode(store)
    }

    /// Puts the children of `container` back as runs of `format` (or of the tags they are in).
    private static func rebuild(_ container: xmlNodePtr, format: Int, formats: [xmlNodePtr?]) {
        let nodes = MarkupDocument.children(of: container)
        for node in nodes { xmlUnlinkNode(node) }
        var run: xmlNodePtr?
        place(nodes, format: format, formats: formats, into: container, run: &run)
    }

    private static func place(_ nodes: [xmlNodePtr], format: Int, formats: [xmlNodePtr?], into container: xmlNodePtr, run: inout xmlNodePtr?) {
        let namespace = xmlSearchNsByHref(container.pointee.doc, container, XMLDialect.word)
        func currentRun() -> xmlNodePtr? {
            if let run { return run }
            let made = xmlNewDocNode(container.pointee.doc, namespace, "r", nil)
            if let made {
                xmlAddChild(container, made)
                if formats.indices.contains(format), let properties = formats[format], let copy = xmlCopyNode(properties, 1) {
                    xmlAddChild(made, copy)
                    useNamespacesInScope(copy)
                }
            }
            run = made
            return made
        }
        for node in nodes {
            let key = MarkupDocument.key(of: node)
            switch node.pointee.type {
            case XML_TEXT_NODE:
                let value = MarkupDocument.content(of: node) ?? ""
                xmlFreeNode(node)
                guard !value.isEmpty, let target = currentRun(), let text = xmlNewDocNode(container.pointee.doc, namespace, "t", nil) else { continue }
                xmlNodeSetSpacePreserve(text, 1)
                xmlNodeAddContent(text, value)
                xmlAddChild(target, text)
            case XML_ELEMENT_NODE where isFormatTag(node):
                let inner = MarkupDocument.attribute("k", of: node).flatMap(Int.init).flatMap { formats.indices.contains($0) ? $0 : nil } ?? format
                let children = MarkupDocument.children(of: node)
                for child in children { xmlUnlinkNode(child) }
                xmlFreeNode(node)
                var innerRun: xmlNodePtr?
                place(children, format: inner, formats: formats, into: container, run: &innerRun)
                run = nil
            case XML_ELEMENT_NODE where runContent.contains(key):
                if let target = currentRun() { xmlAddChild(target, node) } else { xmlFreeNode(node) }
            case XML_ELEMENT_NODE where wrappers.contains(key):
                run = nil
                xmlAddChild(container, node)
                rebuild(node, format: format, formats: formats)
            default:
                run = nil
                xmlAddChild(container, node)
            }
        }
    }

    // MARK: - Helpers

    /// A node copied on its own declares the namespaces it uses again (`<w:rPr xmlns:w=…>`): once
    /// it is in place, it uses those declared above it instead.
    private static func useNamespacesInScope(_ copy: xmlNodePtr) {
        guard let parent = copy.pointee.parent, copy.pointee.nsDef != nil else { return }
        var replacement: [xmlNsPtr: xmlNsPtr] = [:]
        var definition = copy.pointee.nsDef
        while let current = definition {
            guard let href = current.pointee.href, let outer = xmlSearchNsByHref(copy.pointee.doc, parent, href),
                  outer.pointee.prefix.map({ String(cString: $0) }) == current.pointee.prefix.map({ String(cString: $0) }) else { return }
            replacement[current] = outer
            definition = current.pointee.next
        }
        var stack = [copy]
        while let node = stack.popLast() {
            if let ns = node.pointee.ns, let outer = replacement[ns] { node.pointee.ns = outer }
            var attribute = node.pointee.properties
            while let current = attribute {
                if let ns = current.pointee.ns, let outer = replacement[ns] { current.pointee.ns = outer }
                attribute = current.pointee.next
            }
            stack += MarkupDocument.children(of: node).filter { $0.pointee.type == XML_ELEMENT_NODE }
        }
        xmlFreeNsList(copy.pointee.nsDef)
        copy.pointee.nsDef = nil
    }

    private static func isFormatTag(_ node: xmlNodePtr) -> Bool {
        node.pointee.type == XML_ELEMENT_NODE && node.pointee.ns == nil && MarkupDocument.name(of: node) == formatTag
    }

    private static func text(of run: xmlNodePtr) -> String {
        MarkupDocument.children(of: run).filter { MarkupDocument.key(of: $0) == "\(XMLDialect.word)|t" }
            .map { MarkupDocument.content(ofElement: $0) }.joined()
    }

    /// Every element called `key` below `root`, in document order.
    static func elements(below root: xmlNodePtr, key: String) -> [xmlNodePtr] {
        var found: [xmlNodePtr] = []
        var stack: [xmlNodePtr] = [root]
        while let node = stack.popLast() {
            if MarkupDocument.key(of: node) == key { found.append(node) }
            stack += MarkupDocument.children(of: node).filter { $0.pointee.type == XML_ELEMENT_NODE }.reversed()
        }
        return found
    }

    private static func dump(_ node: xmlNodePtr) -> String {
        guard let buffer = xmlBufferCreate() else { return "" }
        defer { xmlBufferFree(buffer) }
        xmlNodeDump(buffer, node.pointee.doc, node, 0, 0)
        return xmlBufferContent(buffer).map { String(cString: $0) } ?? ""
    }
}

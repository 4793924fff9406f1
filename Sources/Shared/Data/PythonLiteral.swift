/// The subset of Python literal syntax that an `.npy` header uses: a dictionary of string keys whose
/// values are strings, booleans, integers or tuples of integers, e.g.
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (100, 64), }`.
///
/// The header is untrusted text, so the parser never evaluates anything and fails with a message
/// saying what it expected where, instead of guessing.
enum PythonLiteral {
    case string(String)
    case boolean(Bool)
    case integer(Int)
    case tuple([PythonLiteral])
    case dictionary([(key: String, value: PythonLiteral)])

    /// Why `parse` failed, in words (the caller adds the file name).
    struct SyntaxError: Error, Equatable {
        let message: String
    }

    /// Parses exactly one literal from `text`; only whitespace may follow it.
    static func parse(_ text: String) throws(SyntaxError) -> PythonLiteral {
        var parser = Parser(characters: Array(text.unicodeScalars))
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.isAtEnd else { throw parser.error("unexpected text after the literal") }
        return value
    }

    private struct Parser {
        /// Deep nesting is never legitimate in a header; the bound keeps recursion finite.
        static let maximumDepth = 8

        let characters: [Unicode.Scalar]
        var position = 0

        var isAtEnd: Bool { position >= characters.count }
        var current: Unicode.Scalar? { isAtEnd ? nil : characters[position] }

        func error(_ message: String) -> SyntaxError {
            SyntaxError(message: "\(message) at character \(position + 1) of the header")
        }

        mutating func skipWhitespace() {
            while let c = current, c.properties.isWhitespace { position += 1 }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> PythonLiteral {
            guard depth < Self.maximumDepth else { throw error("literal nested too deeply") }
            skipWhitespace()
            guard let c = current else { throw error("expected a value, found the end") }
            switch c {
            case "'", "\"": return .string(try string())
            case "(": return .tuple(try sequence(closing: ")", depth: depth))
            case "{": return try dictionary(depth: depth)
            case "-", "0"..."9": return .integer(try integer())
            default:
                let word = identifier()
                switch word {
                case "True": return .boolean(true)
                case "False": return .boolean(false)
                case "": throw error("unexpected character '\(c)'")
                default: throw error("unsupported name '\(word)'")
                }
            }
        }

        mutating func string() throws(SyntaxError) -> String {
            guard let quote = current else { throw error("expected a string") }
            position += 1
            var scalars = String.UnicodeScalarView()
            while let c = current, c != quote {
                guard c != "\\" else { throw error("escape sequences are not supported in header strings") }
                scalars.append(c)
                position += 1
            }
            guard current == quote else { throw error("unterminated string") }
            position += 1
            return String(scalars)
        }

        mutating func integer() throws(SyntaxError) -> Int {
            let start = position
            if current == "-" { position += 1 }
            while let c = current, ("0"..."9").contains(c) { position += 1 }
            let digits = String(String.UnicodeScalarView(characters[start..<position]))
            if current == "L" { position += 1 }  // Python 2 long suffix, still in old files
            guard let value = Int(digits) else { throw error("'\(digits)' is not an integer that fits 64 bits") }
            return value
        }

        mutating func identifier() -> String {
            let start = position
            while let c = current, c.properties.isAlphabetic || c == "_" { position += 1 }
            return String(String.UnicodeScalarView(characters[start..<position]))
        }

        /// Comma-separated values up to `closing`, a trailing comma allowed (`(100,)`).
        mutating func sequence(closing: Unicode.Scalar, depth: Int) throws(SyntaxError) -> [PythonLiteral] {
            position += 1
            var items: [PythonLiteral] = []
            while true {
                skipWhitespace()
                if current == closing { position += 1; return items }
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                if current == "," { position += 1; continue }
                guard current == closing else { throw error("expected ',' or '\(closing)'") }
            }
        }

        mutating func dictionary(depth: Int) throws(SyntaxError) -> PythonLiteral {
            position += 1
            var entries: [(key: String, value: PythonLiteral)] = []
            while true {
                skipWhitespace()
                if current == "}" { position += 1; return .dictionary(entries) }
                guard current == "'" || current == "\"" else { throw error("expected a string key") }
                let key = try string()
                skipWhitespace()
                guard current == ":" else { throw error("expected ':' after key '\(key)'") }
                position += 1
                entries.append((key, try value(depth: depth + 1)))
                skipWhitespace()
                if current == "," { position += 1; continue }
                guard current == "}" else { throw error("expected ',' or '}'") }
            }
        }
    }
}

/// Writes RFC 4180 CSV: CRLF line ends; a field holding a comma, double quote, CR or LF is enclosed in
/// double quotes with its quotes doubled. A nil field is written empty.
struct CSVWriter {
    private(set) var output = ""

    mutating func appendRecord(_ fields: [String?]) {
        output += fields.map { Self.quoted($0 ?? "") }.joined(separator: ",") + "\r\n"
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

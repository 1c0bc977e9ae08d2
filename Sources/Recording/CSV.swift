// RFC 4180 CSV, read strictly from bytes: fields separated by commas, records by CRLF or LF;
// a field in double quotes may hold commas, quotes (doubled) and line breaks. A UTF-8 byte-order
// mark at the start is skipped; blank lines are skipped. Pure: no I/O.

/// One record of a CSV file: where it starts, and its fields as raw bytes (checked for UTF-8 later,
/// so that one bad cell names its own line instead of refusing the whole file).
public struct CSVRecord: Sendable {
    /// The 1-based line on which the record starts.
    public var line: Int
    public var fields: [[UInt8]]
    /// A syntax problem in this record (a stray quote, text after a closing quote, an unclosed
    /// quote); the fields are then unreliable.
    public var problem: String?
}

/// Splits CSV bytes into records.
///
/// - Parameter bytes: the file's contents.
/// - Returns: every non-blank record in order. A syntax error is attached to its record; reading
///   continues at the next line (an unclosed quote runs to the end of the file).
public func parseCSV(_ bytes: [UInt8]) -> [CSVRecord] {
    let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
    var records: [CSVRecord] = []
    var i = 0
    let n = bytes.count
    if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
    var line = 1
    while i < n {
        // Blank line.
        if bytes[i] == lf { line += 1; i += 1; continue }
        if bytes[i] == cr, i + 1 < n, bytes[i + 1] == lf { line += 1; i += 2; continue }
        let startLine = line
        var fields: [[UInt8]] = []
        var problem: String?
        var endOfRecord = false
        while !endOfRecord {
            var field: [UInt8] = []
            if i < n, bytes[i] == quote {
                i += 1
                var closed = false
                while i < n {
                    let b = bytes[i]
                    if b == quote {
                        if i + 1 < n, bytes[i + 1] == quote { field.append(quote); i += 2; continue }
                        i += 1; closed = true; break
                    }
                    if b == lf { line += 1 }
                    field.append(b); i += 1
                }
                if !closed {
                    problem = "a quoted field is never closed (a \" is missing); the rest of the file was read as part of it"
                    fields.append(field)
                    break
                }
                if i < n, bytes[i] != comma, bytes[i] != lf, !(bytes[i] == cr && i + 1 < n && bytes[i + 1] == lf) {
                    problem = problem ?? "text after a closing quote in field \(fields.count + 1); quote the whole field and double any \" inside it"
                    while i < n, bytes[i] != comma, bytes[i] != lf { i += 1 }
                }
            } else {
                while i < n {
                    let b = bytes[i]
                    if b == comma || b == lf || (b == cr && i + 1 < n && bytes[i + 1] == lf) { break }
                    if b == quote, problem == nil {
                        problem = "a \" inside unquoted field \(fields.count + 1); quote the whole field and double the \""
                    }
                    field.append(b); i += 1
                }
            }
            fields.append(field)
            if i >= n { endOfRecord = true }
            else if bytes[i] == comma { i += 1; if i >= n { fields.append([]); endOfRecord = true } }
            else if bytes[i] == lf { i += 1; line += 1; endOfRecord = true }
            else if bytes[i] == cr { i += 2; line += 1; endOfRecord = true }
        }
        records.append(CSVRecord(line: startLine, fields: fields, problem: problem))
    }
    return records
}

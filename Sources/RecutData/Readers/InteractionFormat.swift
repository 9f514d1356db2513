import Foundation

/// The layouts of interaction files Recut reads.
///
/// `csv`, `tsv` and `recbole` have a header row and string ids; `movielens` (`ratings.dat`,
/// `user::item::rating::timestamp`) and `pairs` (SASRec-style `user item` lines, file order
/// being time order) have no header and integer ids.
public enum InteractionFormat: String, CaseIterable, Sendable, Codable {
    case csv, tsv, recbole, movielens, pairs

    /// Guesses the format of the file at `path` from its extension and its first non-blank line.
    ///
    /// `.inter` files and headers whose cells all read `name:type` are RecBole; a line with
    /// `::` is MovieLens; two whitespace-separated integers are pairs; otherwise a tab makes
    /// it TSV and a comma CSV.
    public static func detect(path: String) throws -> InteractionFormat {
        try FilePrologue(file: InputFile(path: path), format: nil).format
    }

    /// The format that the first non-blank line of a file (without its line ending) suggests.
    static func detect(path: String, firstLine: [UInt8]) throws -> InteractionFormat {
        if path.lowercased().hasSuffix(".inter") || isRecBoleHeader(firstLine) { return .recbole }
        if containsDoubleColon(firstLine) { return .movielens }
        if isIntegerPair(firstLine) { return .pairs }
        if firstLine.contains(ASCII.tab) { return .tsv }
        if firstLine.contains(ASCII.comma) { return .csv }
        throw DataError.unknownFormat(file: path, firstLine: String(decoding: firstLine.prefix(80), as: UTF8.self))
    }

    /// Whether the file starts with a header row naming its columns.
    var hasHeader: Bool {
        switch self {
        case .csv, .tsv, .recbole: true
        case .movielens, .pairs: false
        }
    }

    /// Whether ids are integers (and checked to lie in 0...Int32.max) rather than free tokens.
    var hasIntegerIDs: Bool { !hasHeader }

    /// How fields are separated on one line.
    var separator: FieldSeparator {
        switch self {
        case .csv: .character(ASCII.comma, quoted: true)
        case .tsv, .recbole: .character(ASCII.tab, quoted: false)
        case .movielens: .doubleColon
        case .pairs: .whitespace
        }
    }

    private static let recBoleTypes: Set<String> = ["token", "token_seq", "float", "float_seq"]

    private static func isRecBoleHeader(_ line: [UInt8]) -> Bool {
        line.split(separator: ASCII.tab, omittingEmptySubsequences: false).allSatisfy { cell in
            let parts = cell.split(separator: ASCII.colon, omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty
                && recBoleTypes.contains(String(decoding: parts[1], as: UTF8.self))
        }
    }

    private static func containsDoubleColon(_ line: [UInt8]) -> Bool {
        zip(line, line.dropFirst()).contains { $0 == ASCII.colon && $1 == ASCII.colon }
    }

    private static func isIntegerPair(_ line: [UInt8]) -> Bool {
        let tokens = line.split(whereSeparator: ASCII.isBlank)
        return tokens.count == 2 && tokens.allSatisfy { $0.allSatisfy(ASCII.isDigit) }
    }
}

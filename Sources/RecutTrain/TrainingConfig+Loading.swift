import Foundation
import RecutData
import TOMLKit
import Yams

/// Reading settings from a file and from command-line flags.
///
/// Precedence: defaults, then the file, then the flags. The CLI does
/// `try TrainingConfig.load(from: file).applying(overrides: flagsTheUserGave)`, passing only the
/// flags that were given on the command line, keyed by setting name without the dashes
/// (`["lr": "3e-4", "eval-ks": "10,20"]`). Every step validates and names the culprit key.
extension TrainingConfig {
    /// Reads a `.toml`, `.yaml` or `.yml` file of flat `key = value` settings over the defaults.
    ///
    /// Unknown keys are errors (a typo must not silently train with a default).
    public static func load(from path: String) throws(TrainError) -> TrainingConfig {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw .unreadable(file: path, reason: "this is a folder; give a .toml, .yaml or .yml settings file")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path)
                ? "not readable as UTF-8 text (\((error as NSError).localizedFailureReason ?? error.localizedDescription))"
                : "no such file"
            throw .unreadable(file: path, reason: reason)
        }
        let settings: [(key: String, value: RawSetting)]
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "toml": settings = try tomlSettings(text, file: path)
        case "yaml", "yml": settings = try yamlSettings(text, file: path)
        default: throw .unreadable(file: path, reason: "unknown config format; name the file .toml, .yaml or .yml")
        }
        for (key, _) in settings where CodingKeys(rawValue: key) == nil {
            throw .unknownSetting(key: key, file: path, known: CodingKeys.allCases.map(\.rawValue))
        }
        return try TrainingConfig().merging(settings, source: path)
    }

    /// This configuration with some settings replaced by text values, as flags give them.
    ///
    /// Numbers and flags are parsed by the setting's type (`true`/`false`/`yes`/`no`/`1`/`0`
    /// for switches), lists are comma-separated (`eval-ks = "10,20"`), `none` clears an
    /// optional setting (`grad-clip`, `cut-time`, `data`, `columns`) and `auto` resets one that
    /// depends on the data (`format`, `max-length`, `epochs`, `patience`). A cut or a split
    /// given here replaces the split settings the configuration had: `cut-time` drops an
    /// earlier `cut-quantile` and the reverse, and a `split` drops the size keys of other splits
    /// (see `dropReplacedSplitKeys`).
    public func applying(overrides: [String: String], source: String = "command line") throws(TrainError) -> TrainingConfig {
        var settings: [(key: String, value: RawSetting)] = []
        for (key, text) in overrides.sorted(by: { $0.key < $1.key }) {
            guard let known = CodingKeys(rawValue: key) else {
                throw .unknownSetting(key: key, file: source, known: CodingKeys.allCases.map(\.rawValue))
            }
            if known.kind.isList && text != "none" {
                let items = text.split(separator: ",").map { RawSetting.text($0.trimmingCharacters(in: .whitespaces)) }
                settings.append((key, .list(items)))
            } else {
                settings.append((key, .text(text)))
            }
        }
        return try merging(settings, source: source)
    }

    /// The settings as a TOML document, loadable by `load(from:)`.
    public func tomlText() -> String {
        // Encoding plain values to TOML cannot fail.
        try! TOMLEncoder().encode(self)
    }

    /// The settings as a YAML document, loadable by `load(from:)`.
    public func yamlText() -> String {
        try! YAMLEncoder().encode(self)
    }

    /// Writes the settings atomically as TOML or YAML, chosen by the extension of `path`.
    public func write(to path: String) throws(TrainError) {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "toml": try reportingDataErrors { () throws(DataError) in try AtomicFile.write(Data(tomlText().utf8), to: path) }
        case "yaml", "yml": try reportingDataErrors { () throws(DataError) in try AtomicFile.write(Data(yamlText().utf8), to: path) }
        default: throw .writeFailed(file: path, reason: "unknown config format; name the file .toml, .yaml or .yml")
        }
    }

    /// Applies typed settings over this configuration: normalize each value by its key's kind,
    /// overlay on this configuration's JSON form, decode, validate.
    private func merging(_ settings: [(key: String, value: RawSetting)], source: String) throws(TrainError) -> TrainingConfig {
        let encoded = try! JSONEncoder().encode(self)
        var object = try! JSONSerialization.jsonObject(with: encoded) as! [String: Any]
        let given = Set(settings.map(\.key))
        for (key, raw) in settings {
            let setting = CodingKeys(rawValue: key)!
            object[key] = try setting.kind.normalize(raw, key: key, source: source)
        }
        Self.dropReplacedSplitKeys(&object, given: given)
        let merged = try! JSONSerialization.data(withJSONObject: object)
        let config: TrainingConfig
        do {
            config = try JSONDecoder().decode(TrainingConfig.self, from: merged)
        } catch DecodingError.dataCorrupted(let context) {
            // Only the split's combination of keys is checked at decoding.
            throw .invalidSetting(key: CodingKeys.split.rawValue, value: Self.describeSplitKeys(object), source: source,
                                  reason: context.debugDescription)
        } catch {
            // Normalization already checked every type, so this is a bug rather than bad input.
            preconditionFailure("\(source): settings that passed their checks do not decode: \(error)")
        }
        try config.validate(source: source)
        return config
    }

    private static func tomlSettings(_ text: String, file: String) throws(TrainError) -> [(key: String, value: RawSetting)] {
        if let (line, problem) = firstAssertingBracket(in: text) {
            throw .corrupt(file: file, reason: "line \(line): \(problem)")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .corrupt(file: file, reason: "line \(error.source.begin.line): \(error.description)")
        } catch {
            throw .corrupt(file: file, reason: "\(error)")
        }
        func convert(_ value: any TOMLValueConvertible) -> RawSetting {
            switch value.type {
            case .string: .text(value.string!)
            case .int: .integer(value.int!)
            case .double: .number(value.double!)
            case .bool: .flag(value.bool!)
            case .array: .list(value.array!.map(convert))
            default: .unsupported(value.type.rawValue)
            }
        }
        return table.keys.sorted().map { ($0, convert(table[$0]!)) }
    }

    /// The first line where `text` has a bracket that toml++ asserts on (ending the process)
    /// instead of reporting, and what is wrong: a table header whose name starts with neither a
    /// letter, a digit, `_`, `-`, a quote nor `]` (`[=]`, `[` alone), or a `}` where an array
    /// element belongs (`x = [}]`). Strings and comments are skipped; a `]` closing a `{` is
    /// refused too, being no more valid.
    static func firstAssertingBracket(in text: String) -> (line: Int, problem: String)? {
        let bytes = Array(text.utf8)
        var open: [UInt8] = []
        var line = 1, atLineStart = true
        var i = 0
        func at(_ offset: Int) -> UInt8? { i + offset < bytes.count ? bytes[i + offset] : nil }
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\n") {
                line += 1
                atLineStart = true
                i += 1
                continue
            }
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
                i += 1
                continue
            }
            let startsLine = atLineStart
            atLineStart = false
            switch byte {
            case UInt8(ascii: "#"):
                while i < bytes.count && bytes[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                let tripled = at(1) == byte && at(2) == byte
                i += tripled ? 3 : 1
                while i < bytes.count {
                    if bytes[i] == UInt8(ascii: "\n") {
                        if !tripled { break }
                        line += 1
                    }
                    if byte == UInt8(ascii: "\"") && bytes[i] == UInt8(ascii: "\\") {
                        i += 2
                        continue
                    }
                    if bytes[i] == byte && (!tripled || (at(1) == byte && at(2) == byte)) {
                        i += tripled ? 3 : 1
                        break
                    }
                    i += 1
                }
                continue
            case UInt8(ascii: "[") where open.isEmpty && startsLine:
                var j = i + 1
                if j < bytes.count && bytes[j] == UInt8(ascii: "[") { j += 1 }
                while j < bytes.count && (bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t")) { j += 1 }
                if j < bytes.count {
                    let first = bytes[j]
                    let isNameStart = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first | 0x20)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) || "_-\"']".utf8.contains(first)
                    if !isNameStart { return (line, "a table header must start with a name, as in [name]") }
                }
                i = j
                continue
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                open.append(byte)
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                let opening = byte == UInt8(ascii: "]") ? UInt8(ascii: "[") : UInt8(ascii: "{")
                if let last = open.last, last != opening {
                    return (line, "'\(Character(Unicode.Scalar(byte)))' closes a '\(Character(Unicode.Scalar(last)))'")
                }
                if !open.isEmpty { open.removeLast() }
            default:
                break
            }
            i += 1
        }
        return nil
    }

    /// A Yams error as `line L, column C: problem`, on one line (Yams adds the text around it).
    private static func yamlReason(_ error: Error) -> String {
        let firstLine = "\(error)".prefix { $0 != "\n" }
        let parts = firstLine.split(separator: ":", maxSplits: 2)
        if parts.count == 3, let line = Int(parts[0]), let column = Int(parts[1]) {
            let problem = parts[2].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "error: ", with: "")
            return "line \(line), column \(column): \(problem.hasSuffix(":") ? String(problem.dropLast()) : problem)"
        }
        return String(firstLine)
    }

    private static func yamlSettings(_ text: String, file: String) throws(TrainError) -> [(key: String, value: RawSetting)] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw .corrupt(file: file, reason: yamlReason(error))
        }
        guard let root else { return [] }
        guard let mapping = root.mapping else {
            throw .corrupt(file: file, reason: "line \(root.mark?.line ?? 1): expected key: value lines at the top level")
        }
        // YAML scalars are kept as their text and parsed by the key's type, so `lr: 1e-3`
        // (a string to YAML 1.1) reads as the number it looks like.
        func convert(_ node: Node) -> RawSetting {
            if let scalar = node.scalar { return node.null != nil ? .text("none") : .text(scalar.string) }
            if let sequence = node.sequence { return .list(sequence.map(convert)) }
            return .unsupported("mapping")
        }
        var settings: [(key: String, value: RawSetting)] = []
        var lines: [String: Int] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                throw .corrupt(file: file, reason: "line \(key.mark?.line ?? 1): a key is not a plain name")
            }
            // YAML lets a repeated key win silently; TOML refuses it, and so does Recut for both.
            let line = key.mark.map { $0.line } ?? 0
            if let first = lines[name] {
                throw .corrupt(file: "\(file):\(line)", reason: "setting '\(name)' is given twice (first on line \(first))")
            }
            lines[name] = line
            settings.append((name, convert(value)))
        }
        return settings
    }
}

/// A setting's value as a file or a flag gave it, before it is checked against the setting's type.
enum RawSetting {
    case text(String)
    case integer(Int)
    case number(Double)
    case flag(Bool)
    case list([RawSetting])
    case unsupported(String)
}

/// The type of each setting, which decides how its text or file value is read.
indirect enum SettingKind {
    case text, integer, number, flag, textList, integerList
    case choice([String])
    /// nil when the value is `none`.
    case optional(SettingKind)
    /// nil when the value is `auto`: the setting then takes a default that depends on the data.
    case automatic(SettingKind)

    var isList: Bool {
        switch self {
        case .textList, .integerList: true
        case .optional(let wrapped), .automatic(let wrapped): wrapped.isList
        default: false
        }
    }

    /// A JSON-ready value for `raw`, or nil to clear an optional setting.
    func normalize(_ raw: RawSetting, key: String, source: String) throws(TrainError) -> Any? {
        func invalid(_ reason: String) -> TrainError {
            .invalidSetting(key: key, value: raw.description, source: source, reason: reason)
        }
        switch (self, raw) {
        case (.optional, .text("none")), (.automatic, .text("auto")): return nil
        case (.optional(let wrapped), _), (.automatic(let wrapped), _): return try wrapped.normalize(raw, key: key, source: source)
        case (.text, .text(let text)): return text
        case (.choice(let choices), .text(let text)):
            guard choices.contains(text) else { throw invalid("expected one of \(choices.joined(separator: ", "))") }
            return text
        case (.integer, .integer(let value)): return value
        case (.integer, .text(let text)):
            guard let value = Int(text) else { throw invalid("expected a whole number") }
            return value
        case (.number, .number(let value)):
            // TOML has inf and nan; no setting takes them, and JSON cannot hold them.
            guard value.isFinite else { throw invalid("expected a finite number") }
            return value
        case (.number, .integer(let value)): return Double(value)
        case (.number, .text(let text)):
            guard let value = Double(text), value.isFinite else { throw invalid("expected a number") }
            return value
        case (.flag, .flag(let value)): return value
        case (.flag, .text(let text)):
            switch text.lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: throw invalid("expected true or false")
            }
        case (.textList, .list(let items)):
            return try items.map { item throws(TrainError) in try SettingKind.text.normalize(item, key: key, source: source)! }
        case (.integerList, .list(let items)):
            return try items.map { item throws(TrainError) in try SettingKind.integer.normalize(item, key: key, source: source)! }
        case (.textList, _), (.integerList, _): throw invalid("expected a list")
        case (.text, _): throw invalid("expected text")
        case (.choice(let choices), _): throw invalid("expected one of \(choices.joined(separator: ", "))")
        case (.integer, _): throw invalid("expected a whole number")
        case (.number, _): throw invalid("expected a number")
        case (.flag, _): throw invalid("expected true or false")
        }
    }
}

extension RawSetting: CustomStringConvertible {
    var description: String {
        switch self {
        case .text(let text): text
        case .integer(let value): "\(value)"
        case .number(let value): "\(value)"
        case .flag(let value): "\(value)"
        case .list(let items): items.map(\.description).joined(separator: ",")
        case .unsupported(let type): "<\(type)>"
        }
    }
}

extension TrainingConfig.CodingKeys {
    /// How this setting's value is read.
    var kind: SettingKind {
        switch self {
        case .data, .columns, .cacheDirectory: .optional(.text)
        case .format: .automatic(.choice(InteractionFormat.allCases.map(\.rawValue)))
        case .skipBadRows, .dropRepeats, .cache: .flag
        case .minimumRating: .optional(.number)
        case .userCore, .itemCore: .integer
        case .split: .choice(TrainingConfig.SplitName.allCases.map(\.rawValue))
        case .cutTime, .cutQuantile, .testRatio, .coldUserShare: .optional(.number)
        case .testEvents, .splitSeed: .optional(.integer)
        case .splitTarget: .choice(TargetRule.allCases.map(\.rawValue))
        case .splitValidation: .choice(ValidationRule.allCases.map(\.rawValue))
        case .coldItemTargets: .choice(ColdItemTargets.allCases.map(\.rawValue))
        case .dropRepeatTargets: .flag
        case .minimumInputLength: .integer
        case .syntheticUsers, .syntheticItems, .syntheticMeanLength, .syntheticSeed: .integer
        case .loss: .choice(TrainingConfig.Loss.allCases.map(\.rawValue))
        case .negatives: .integer
        case .sampler: .choice(TrainingConfig.Sampler.allCases.map(\.rawValue))
        case .negativeGranularity: .choice(NegativeGranularity.allCases.map(\.rawValue))
        case .collisions: .choice(CollisionPolicy.allCases.map(\.rawValue))
        case .logQCorrection: .flag
        case .gradientFiltering: .automatic(.flag)
        case .gbceT: .number
        case .maxLength: .automatic(.integer)
        case .dimension, .blocks, .heads: .integer
        case .dropout, .initStandardDeviation: .number
        case .learningRate, .beta1, .beta2, .weightDecay: .number
        case .warmupSteps: .integer
        case .schedule: .choice(LearningRateSchedule.Shape.allCases.map(\.rawValue))
        case .learningRateFloor: .number
        case .gradientClip: .optional(.number)
        case .batchSize: .integer
        case .epochs, .patience: .automatic(.integer)
        case .seed: .integer
        case .device: .choice(TrainingConfig.Device.allCases.map(\.rawValue))
        case .precision: .choice(TrainingConfig.PrecisionSetting.allCases.map(\.rawValue))
        case .output: .text
        case .evaluationKs: .integerList
        case .maskValidation: .flag
        case .checkpointEvery: .optional(.integer)
        case .onNonFinite: .choice(TrainingConfig.NonFinitePolicy.allCases.map(\.rawValue))
        }
    }
}

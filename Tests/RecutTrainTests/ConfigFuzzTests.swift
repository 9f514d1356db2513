import Foundation
import RecutData
import RecutTestSupport
import Testing
@testable import RecutTrain

/// Random and mutated TOML and YAML configs: each must load or fail with a `TrainError` that
/// names the file (and, for a syntax error, the line), never crash or hang.
///
/// Runs 2 seconds by default; RECUT_FUZZ_SECONDS sets a longer search and RECUT_FUZZ_SEED
/// replays one (the seed is printed on failure).
@Suite struct ConfigFuzzTests {
    /// Tokens that configs go wrong with: quotes, brackets, duplicate keys, odd numbers, YAML
    /// anchors and tags, TOML tables.
    static let tokens = [
        "\"", "'", "[", "]", "{", "}", "=", ":", "- ", "#", "\n", "\t", "  ", "&a", "*a", "!!str", "[table]", "[[t]]",
        "1e400", "-1", "nan", "inf", "0x10", "1_000", "9223372036854775808", "true", "none", "auto", "~", "null",
        "lr", "batch", "eval-ks", "data", "cut-time", "\u{FEFF}", "\u{0}", "é", "---", "...", "%YAML 1.2",
    ]

    private func mutate(_ text: String, random: inout SplitMix64) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for _ in 0...random.next(below: 4) {
            guard !lines.isEmpty else { lines = [""]; continue }
            let index = random.next(below: lines.count)
            switch random.next(below: 6) {
            case 0: lines.insert(lines[random.next(below: lines.count)], at: index)
            case 1: lines.remove(at: index)
            case 2:
                var characters = Array(lines[index])
                let position = random.next(below: characters.count + 1)
                characters.insert(contentsOf: Self.tokens[random.next(below: Self.tokens.count)], at: position)
                lines[index] = String(characters)
            case 3:
                var characters = Array(lines[index])
                guard !characters.isEmpty else { continue }
                characters.removeSubrange(random.next(below: characters.count)..<characters.count)
                lines[index] = String(characters)
            case 4: lines.swapAt(index, random.next(below: lines.count))
            default:
                lines[index] = (0..<random.next(below: 6)).map { _ in Self.tokens[random.next(below: Self.tokens.count)] }.joined()
            }
        }
        return lines.joined(separator: "\n")
    }

    @Test func theBracketScanPassesValidTOML() {
        let valid = TrainingConfig().tomlText() + """
            x = [ [1, 2], { a = "]}\\"" } ] # [}
            y = '''
            [=
            }]'''
            [ table ]
            [[ list ]]

            """
        #expect(TrainingConfig.firstAssertingBracket(in: valid) == nil)
    }

    @Test(.timeLimit(.minutes(FuzzBudget.timeLimitMinutes))) func mutatedConfigsLoadOrFailNamingTheFile() throws {
        let seconds = FuzzBudget.seconds, seed = FuzzBudget.seed
        var random = SplitMix64(seed: seed)
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var config = TrainingConfig()
        config.data = "events.csv"
        let seeds = [("toml", config.tomlText()), ("yaml", config.yamlText())]
        let deadline = Date().addingTimeInterval(seconds)
        var runs = 0
        while Date() < deadline {
            let (kind, text) = seeds[random.next(below: seeds.count)]
            var mutated = text
            for _ in 0...random.next(below: 3) { mutated = mutate(mutated, random: &random) }
            let path = directory.path + "/\(runs).\(random.next(below: 5) == 0 ? ["toml", "yaml", "yml"][random.next(below: 3)] : kind)"
            try mutated.write(toFile: path, atomically: false, encoding: .utf8)
            let start = Date()
            do {
                _ = try TrainingConfig.load(from: path)
            } catch {
                let message = error.description
                #expect(message.contains(path), "seed \(seed): \(message)")
                if case .corrupt = error {
                    #expect(message.contains("line"), "seed \(seed): a syntax error without its line: \(message)")
                }
            }
            // A hang, not slowness: CI machines run other suites beside this one.
            #expect(Date().timeIntervalSince(start) < 10, "seed \(seed): loading took over 10 seconds")
            try? FileManager.default.removeItem(atPath: path)
            runs += 1
        }
        #expect(runs > 0)
    }
}

/// Brackets that made toml++ assert and end the process, found by the fuzz test above.
@Test(arguments: ["[\n", "[ \n", "[[\n", "[=]\n", "[#\n", "[.a]\n", "[,]\n", "[\t\n", "lr = 0.1\n[=\n", "[[=]]\n", "[é]\n",
                  "x = [}]\n", "x = [1, }]\n", "x = { a = [ } ] }\n", "lr = 0.1\nx = [\n  1,\n}]\n"])
func bracketsThatCrashedTheTOMLParserAreRefusedWithTheirLine(text: String) throws {
    try expectLoadError(of: text) { error, path in
        let message = (error as? TrainError)?.description ?? ""
        let line = text.hasPrefix("lr") ? text.contains("}") ? 4 : 2 : 1
        return message.contains(path) && message.contains("line \(line):")
    }
}

/// A TOML inf or nan ended the process at a `try!` (JSON holds no infinity), found by the fuzz test.
@Test(arguments: ["lr = inf\n", "lr = -inf\n", "dropout = nan\n", "lr = +inf\n"])
func nonFiniteTOMLNumbersAreInvalidSettings(text: String) throws {
    try expectLoadError(of: text) { error, path in
        guard case .invalidSetting(_, _, let source, let reason) = error as? TrainError else { return false }
        return source == path && reason == "expected a finite number"
    }
}

/// YAML errors found outside the parser name their line too.
@Test func yamlStructureErrorsNameTheirLine() throws {
    try expectLoadError(of: "lr: 0.1\n? [a, b]\n: 1\n", format: "yaml") { error, _ in
        (error as? TrainError)?.description.contains("line 2: a key is not a plain name") == true
    }
}

/// Writes `text` to a settings file of `format` and expects loading it to throw an error that `matches`.
private func expectLoadError(of text: String, format: String = "toml",
                             _ matches: (any Error, _ path: String) -> Bool) throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let path = directory.path + "/c." + format
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    #expect {
        _ = try TrainingConfig.load(from: path)
    } throws: { error in
        matches(error, path)
    }
}

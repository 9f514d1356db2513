import ArgumentParser
import Foundation
import RecutCore
import RecutCPU
import RecutCUDA
import RecutData

/// `recut bench rank`: full-catalog ranking (`RankingBackend.rankCatalog`) of many users
/// against a large random item table, timed, and checked against the CPU twin on a few users.
struct RankBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rank",
        abstract: "Time full-catalog ranking (ranks and top lists) on a random item table.",
        discussion: """
            Values are multiples of 1/64 in -1...1, so every score is exact in float32 and the first \
            --check-users users must get the very ranks and top lists of the CPU twin. One warm-up, then \
            the median of --repeats runs, each timed with the host clock after synchronising the device.
            """)

    @Option(help: "Catalog size C (item ids 1...C).")
    var items = 10_000_000

    @Option(help: "Users ranked in one call.")
    var users = 4096

    @Option(name: .customLong("dim"), help: "Embedding width d.")
    var dimension = 64

    @Option(help: "Top-list length k.")
    var top = 10

    @Option(help: "Masked (input) items per user; 0 masks nothing.")
    var mask = 200

    @Flag(help: "With --mask, also rank the whole catalog in the same pass (as the test report does).")
    var alsoUnmasked = false

    @Option(help: "Timed runs (the median is reported).")
    var repeats = 3

    @Option(help: "Users checked against the CPU twin.")
    var checkUsers = 16

    @Option(help: "The device (cuda or cpu); default: cuda when the driver loads, else cpu.")
    var device: DeviceChoice?

    func validate() throws {
        guard items > 0, users > 0, dimension > 0, mask >= 0, repeats > 0, checkUsers >= 0, checkUsers <= users else {
            throw ValidationError("sizes and --repeats must be positive; --check-users at most --users")
        }
        guard (1...CatalogRanking.maximumTopCount).contains(top) else {
            throw ValidationError("--top must be in 1...\(CatalogRanking.maximumTopCount)")
        }
    }

    func run() throws {
        guard let backend = try DeviceChoice.makeBackend(device) as? any RankingBackend else {
            throw ValidationError("the chosen device cannot rank catalogs")
        }
        let cuda = backend as? CUDABackend
        try cuda?.loadAllKernels()
        var generator = SplitMix64(seed: 20261125)
        func gridValues(_ count: Int) -> [Float] {
            (0..<count).map { _ in Float(Int(generator.next() % 129) - 64) / 64 }
        }
        let tableValues = gridValues((items + 1) * dimension)
        let hiddenValues = gridValues(users * dimension)
        let targetValues = (0..<users).map { _ in Int32(1 + Int(generator.next() % UInt64(items))) }
        let maskValues = (0..<users * mask).map { _ in Int32(1 + Int(generator.next() % UInt64(items))) }

        func rank(on backend: any RankingBackend, users: Int, timed: Bool) throws -> (outputs: [Int32], milliseconds: [Double]) {
            let table = backend.upload(tableValues, shape: [items + 1, dimension])
            let hidden = backend.upload(Array(hiddenValues.prefix(users * dimension)), shape: [users, dimension])
            let targets = backend.upload(Array(targetValues.prefix(users)), shape: [users])
            let masked = mask > 0 ? backend.upload(Array(maskValues.prefix(users * mask)), shape: [users * mask]) : nil
            func output() -> CatalogRanking.Output {
                CatalogRanking.Output(ranks: backend.makeTensor(shape: [users], dtype: .int32),
                                      topItems: backend.makeTensor(shape: [users * top], dtype: .int32))
            }
            let unmaskedOutput = mask == 0 || alsoUnmasked ? output() : nil
            let maskedOutput = mask > 0 ? output() : nil
            var milliseconds: [Double] = []
            for run in 0..<(timed ? repeats + 1 : 1) {
                try cuda?.synchronize()
                let start = DispatchTime.now().uptimeNanoseconds
                backend.rankCatalog(unmasked: unmaskedOutput, masked: maskedOutput, hidden: hidden, table: table,
                                    targets: targets, maskedItems: masked, users: users, catalogSize: items,
                                    dimension: dimension, maskWidth: mask, topCount: top)
                if backend === cuda { try cuda?.synchronize() }
                if run > 0 { milliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-6) }
            }
            // Per ranking, the first checkUsers ranks then their top lists.
            let outputs = [unmaskedOutput, maskedOutput].compactMap { $0 }.flatMap { output -> [Int32] in
                let ranks: [Int32] = backend.download(output.ranks), topItems: [Int32] = backend.download(output.topItems)
                return Array(ranks.prefix(checkUsers)) + Array(topItems.prefix(checkUsers * top))
            }
            return (outputs, milliseconds)
        }

        let (outputs, milliseconds) = try rank(on: backend, users: users, timed: true)
        var differing = 0
        if checkUsers > 0 {
            let expected = try rank(on: CPUBackend(), users: checkUsers, timed: false).outputs
            differing = zip(outputs, expected).filter { $0 != $1 }.count
        }
        let median = milliseconds.sorted()[milliseconds.count / 2]
        let teraflops = 2 * Double(users) * Double(items) * Double(dimension) / (median * 1e-3) / 1e12
        let fields: [String] = [
            "\"device\": \"\(backend.name)\"", "\"items\": \(items)", "\"users\": \(users)", "\"dim\": \(dimension)",
            "\"top\": \(top)", "\"mask\": \(mask)", "\"also_unmasked\": \(mask > 0 && alsoUnmasked)",
            "\"ms\": \(String(format: "%.1f", median))",
            "\"ms_runs\": [\(milliseconds.map { String(format: "%.1f", $0) }.joined(separator: ", "))]",
            "\"tflops\": \(String(format: "%.1f", teraflops))", "\"checked_users\": \(checkUsers)",
            "\"differing_entries\": \(differing)",
        ]
        print("{" + fields.joined(separator: ", ") + "}")
        if differing > 0 { throw ExitCode.failure }
    }
}

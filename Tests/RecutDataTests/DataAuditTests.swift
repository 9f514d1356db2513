import Foundation
import Testing
@testable import RecutData

/// A dataset from (item, time) events per user; items are 1...9.
private func dataset(_ users: [[(item: Int32, time: Timestamp)]]) -> Dataset {
    var sequences = Sequences()
    for events in users { sequences.append(items: events.map(\.item), timestamps: events.map(\.time)) }
    return Dataset(sequences: sequences, users: IDMap(names: users.indices.map { "u\($0)" }),
                   items: IDMap(names: [""] + (1...9).map { "i\($0)" }))
}

/// User 0: items 1 2 1 3 at 10 20 20 40; user 1: 2 3 at 30 50; user 2: item 4 three times at 60.
private let handBuilt = dataset([[(1, 10), (2, 20), (1, 20), (3, 40)], [(2, 30), (3, 50)], [(4, 60), (4, 60), (4, 60)]])

@Test func auditCountsGapsRepeatsAndAnomaliesOfAHandBuiltLog() {
    let audit = DataAudit(dataset: handBuilt, splits: [])
    #expect(audit.core.users == 3 && audit.core.interactions == 9)
    // Gaps: user 0: 10, 0, 20; user 1: 20; user 2: 0, 0.
    #expect(audit.temporal.interEventGap.p50 == 5 && audit.temporal.interEventGap.max == 20)
    #expect(audit.temporal.interEventGapHistogram == Histogram(edges: [0, 1, 10, 100], counts: [3, 0, 3]))
    #expect(audit.temporal.userLifetime.min == 0 && audit.temporal.userLifetime.max == 30)
    #expect(audit.temporal.eventsPerPeriod.counts.reduce(0, +) == 9)
    #expect(audit.temporal.eventsPerPeriod.counts.first == 1 && audit.temporal.eventsPerPeriod.counts.last == 3)
    // Repeats: user 0's second item 1 (2 events later), user 2's second and third item 4.
    #expect(audit.repeats.repeatShare == 3.0 / 9 && audit.repeats.consecutiveRepeatShare == 2.0 / 9)
    #expect(audit.repeats.repeatGapEvents.max == 2 && audit.repeats.repeatGapEvents.min == 1)
    #expect(audit.anomalies.sameTimeAsPreviousShare == 3.0 / 9)
    #expect(audit.anomalies.bursts == 1 && audit.anomalies.eventsInBursts == 3)
    #expect(audit.anomalies.outOfOrderRows == nil && audit.anomalies.nonPositiveTimes == 0 && audit.anomalies.futureTimes == 0)
}

@Test func auditFindsOutOfOrderRowsAndImplausibleTimes() {
    // File order: user 0 at 5, then 3 (out of order), then 4 (still before 5); user 1 in order.
    let log = InteractionLog(users: [0, 0, 1, 0, 1], items: [0, 1, 0, 2, 1], timestamps: [5, 3, 1, 4, 2],
                             userNames: ["a", "b"], itemNames: ["x", "y", "z"])
    let odd = dataset([[(1, -5), (2, 0), (3, 4_000_000_000)]])
    let audit = DataAudit(dataset: odd, splits: [], fileOrder: log, now: Date(timeIntervalSince1970: 1_800_000_000))
    #expect(audit.anomalies.outOfOrderRows == 2)
    #expect(audit.anomalies.nonPositiveTimes == 2 && audit.anomalies.futureTimes == 1)
}

@Test func splitAuditMeasuresLeakageColdExposureAndShift() throws {
    // Leave-one-out: user 0 trains on 1 2 (10, 20), user 2 on 4 (60); test targets 3 at 40 and 4 at 60.
    let leaveOneOut = try split(handBuilt, strategy: .leaveOneOut)
    let audit = SplitAudit(name: "loo", split: leaveOneOut, catalogSize: handBuilt.itemCount)
    #expect(audit.trainUsers == 2 && audit.trainEvents == 3 && audit.testCases == 2 && audit.validationCases == 2)
    #expect(audit.trainingEventsAfterFirstTestTarget == 1.0 / 3)
    #expect(audit.leakageShare == 0.5)
    #expect(audit.testColdUserShare == 0 && audit.testColdItemShare == 0.5 && audit.validationColdItemShare == 0)
    // Training items 1, 2, 4 a third each; test targets 3, 4 a half each.
    let shift = 0.5 * (2.0 / 3 + log2(0.8) / 3) + 0.5 * (0.5 + 0.5 * log2(1.2))
    #expect(abs(audit.popularityShift - shift) < 1e-12)
    #expect(audit.targetGap.min == 0 && audit.targetGap.max == 20 && audit.targetGap.p50 == 10)
    #expect(audit.testPeriod == DatasetStatistics.TimeRange(first: 40, last: 60))

    // Temporal at 35 with leave-one-out validation: user 0 trains on 1 2 and validates on 1 at 20;
    // test targets are 3 at 40 (user 0) and 3 at 50 (user 1, who never trains).
    let temporal = try split(handBuilt, strategy: .temporal(.time(35)), rules: SplitRules(validation: .leaveOneOut))
    let clean = SplitAudit(name: "temporal", split: temporal, catalogSize: handBuilt.itemCount)
    #expect(clean.testCases == 2 && clean.validationCases == 1)
    #expect(clean.trainingEventsAfterFirstTestTarget == 0 && clean.leakageShare == 0)
    #expect(clean.testColdUserShare == 0.5 && clean.testColdItemShare == 1)
    #expect(clean.popularityShift == 1)
}

@Test func histogramsBinAsDocumented() {
    #expect(Histogram(decades: [0, 1, 9, 10, 99, 100, 1000]) == Histogram(edges: [0, 1, 10, 100, 1000, 10000], counts: [1, 2, 2, 1, 1]))
    #expect(Histogram(linear: [0, 5, 10], low: 0, high: 10, bins: 2) == Histogram(edges: [0, 5, 10], counts: [1, 2]))
}

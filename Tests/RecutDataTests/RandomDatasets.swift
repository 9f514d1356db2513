import PropertyBased
@testable import RecutData

/// Random datasets for the split tests: up to 15 users of up to 10 events over 9 items; time steps of 0 make ties.
let randomDatasets = zip(Gen.int(in: 0...3), Gen.int(in: 1...9)).array(of: 0...10).array(of: 1...15)
    .map(makeDataset)

/// A dataset whose user u has the given (time step, item) events; times are the running sums of the steps.
func makeDataset(_ users: [[(Int, Int)]]) -> Dataset {
    var sequences = Sequences()
    for events in users {
        var time = 0
        var times: [Timestamp] = []
        for (step, _) in events {
            time += step
            times.append(Timestamp(time))
        }
        sequences.append(items: events.map { Int32($0.1) }, timestamps: times)
    }
    return Dataset(sequences: sequences, users: IDMap(names: users.indices.map { "user\($0)" }),
                   items: IDMap(names: [""] + (1...9).map { "item\($0)" }))
}

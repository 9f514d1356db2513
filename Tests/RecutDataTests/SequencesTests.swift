import Testing
@testable import RecutData

@Test func sequencesAppendAndSlice() {
    var s = Sequences()
    s.append(items: [3, 1] as [Int32], timestamps: [1, 2])
    s.append(items: [2] as [Int32], timestamps: [5])
    #expect(s.count == 2)
    #expect(Array(s[0]) == [3, 1])
    #expect(Array(s.times(1)) == [5])
    #expect(s.length(0) == 2)
}

@Test func idMapIsTwoWay() {
    let map = IDMap(names: ["", "a", "b"])
    #expect(map.id(of: "b") == 2)
    #expect(map.name(of: 1) == "a")
    #expect(map.id(of: "zz") == nil)
}

@Test func splitMixIsReproducibleAndBounded() {
    var a = SplitMix64(seed: 7), b = SplitMix64(seed: 7)
    for _ in 0..<1000 {
        let x = a.next(below: 13)
        #expect(x == b.next(below: 13))
        #expect((0..<13).contains(x))
    }
}

@Test func sharedStorageViewsReadTheirRanges() {
    var packed = Sequences()
    packed.append(items: [1, 2, 3, 4] as [Int32], timestamps: [1, 2, 3, 4])
    packed.append(items: [5, 6] as [Int32], timestamps: [5, 6])
    let views = packed.sharingStorage(ranges: [0..<2, 4..<6, 1..<1])
    #expect(views.count == 3)
    #expect(views.eventCount == 4)
    #expect(Array(views[0]) == [1, 2] && Array(views[1]) == [5, 6] && views[2].isEmpty)
    #expect(Array(views.times(1)) == [5, 6])
    #expect(views.length(1) == 2 && views.range(of: 1) == 4..<6)
    #expect(views.items == [1, 2, 5, 6])
    #expect(views.timestamps == [1, 2, 5, 6])
    #expect(views.offsets == [0, 2, 4, 4])
    #expect(packed.items == [1, 2, 3, 4, 5, 6] && packed.offsets == [0, 4, 6])
}

@Test func equalityComparesContentsNotStorage() {
    var packed = Sequences()
    packed.append(items: [1, 2, 3] as [Int32], timestamps: [1, 2, 3])
    packed.append(items: [7, 8] as [Int32], timestamps: [7, 8])
    let view = packed.sharingStorage(ranges: [1..<3, 3..<4])
    let copy = Sequences(offsets: [0, 2, 3], items: [2, 3, 7], timestamps: [2, 3, 7])
    #expect(view == copy)
    #expect(packed.sharingStorage(ranges: [packed.range(of: 0), packed.range(of: 1)]) == packed)
    #expect(view != packed.sharingStorage(ranges: [1..<3, 4..<5]))
    #expect(view != Sequences(offsets: [0, 2, 3], items: [2, 3, 7], timestamps: [2, 3, 8]))
}

@Test func appendingToAViewLeavesTheOthersAlone() {
    var packed = Sequences()
    packed.append(items: [1, 2, 3] as [Int32], timestamps: [1, 2, 3])
    var view = packed.sharingStorage(ranges: [0..<2])
    view.append(items: [9] as [Int32], timestamps: [9])
    #expect(view == Sequences(offsets: [0, 2, 3], items: [1, 2, 9], timestamps: [1, 2, 9]))
    #expect(packed == Sequences(offsets: [0, 3], items: [1, 2, 3], timestamps: [1, 2, 3]))
    #expect(packed.itemStorage == [1, 2, 3])
}

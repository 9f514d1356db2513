import Testing
@testable import RecutData

@Test func sequencesAppendAndSlice() {
    var s = Sequences()
    s.append(items: [3, 1] as [Int32], timestamps: [1.0, 2.0])
    s.append(items: [2] as [Int32], timestamps: [5.0])
    #expect(s.count == 2)
    #expect(Array(s[0]) == [3, 1])
    #expect(Array(s.times(1)) == [5.0])
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

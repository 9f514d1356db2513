import Testing
import RecutCore

@Test func coreReexportsData() {
    #expect(IDMap(names: [""]).count == 1)
}

import Testing
@testable import RecutTrain

@Suite struct LearningRateScheduleTests {
    @Test func constantWithoutWarmupIsThePeak() {
        let schedule = LearningRateSchedule(peak: 1e-3)
        #expect([0, 1, 1000].map(schedule.rate(at:)) == [1e-3, 1e-3, 1e-3])
    }

    @Test func linearWarmupThenConstant() {
        let schedule = LearningRateSchedule(peak: 0.4, warmupSteps: 4)
        #expect([0, 1, 2, 3, 4, 100].map(schedule.rate(at:)) == [0.1, 0.2, 0.30000000000000004, 0.4, 0.4, 0.4])
    }

    @Test func cosineFromPeakToFloor() {
        let schedule = LearningRateSchedule(peak: 1.0, warmupSteps: 2, shape: .cosine, totalSteps: 6, floor: 0.2)
        let rates = (0..<8).map(schedule.rate(at:))
        // Warmup 0.5, 1.0; then progress 0, 1/4, 1/2, 3/4 of the cosine; the floor at and after step 6.
        let expected = [0.5, 1.0, 1.0, 0.2 + 0.8 * (1 + 0.5.squareRoot()) / 2, 0.6, 0.2 + 0.8 * (1 - 0.5.squareRoot()) / 2, 0.2, 0.2]
        for (rate, value) in zip(rates, expected) { #expect(abs(rate - value) < 1e-12) }
    }

    @Test func cosineWithNoDecayStepsSitsAtTheFloor() {
        let schedule = LearningRateSchedule(peak: 1.0, warmupSteps: 3, shape: .cosine, totalSteps: 3, floor: 0.1)
        #expect(schedule.rate(at: 2) == 1.0)
        #expect(schedule.rate(at: 3) == 0.1)
    }
}

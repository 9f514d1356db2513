import RecutTrain
import Testing

@Suite struct DistributedEnvironmentTests {
    @Test func noVariablesMeansOneProcess() throws {
        let environment = try DistributedEnvironment(environment: ["HOME": "/root"])
        #expect(environment == .single)
        #expect(!environment.isDistributed && environment.isMain)
    }

    @Test func readsWhatTorchrunSets() throws {
        let environment = try DistributedEnvironment(environment: [
            "RANK": "3", "WORLD_SIZE": "8", "LOCAL_RANK": "1", "MASTER_ADDR": "10.0.0.2", "MASTER_PORT": "29501",
        ])
        #expect(environment.rank == 3 && environment.worldSize == 8 && environment.localRank == 1)
        #expect(environment.masterAddress == "10.0.0.2" && environment.masterPort == 29501)
        #expect(environment.isDistributed && !environment.isMain)
        #expect(try DistributedEnvironment(environment: environment.variables) == environment)
    }

    @Test func localRankDefaultsToRank() throws {
        let environment = try DistributedEnvironment(environment: [
            "RANK": "2", "WORLD_SIZE": "4", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "1234",
        ])
        #expect(environment.localRank == 2)
    }

    @Test func worldOfOneNeedsNoAddress() throws {
        let environment = try DistributedEnvironment(environment: ["WORLD_SIZE": "1", "RANK": "0"])
        #expect(!environment.isDistributed && environment.rank == 0)
    }

    @Test(arguments: [
        (["RANK": "1"], "WORLD_SIZE is not set"),
        (["WORLD_SIZE": "two"], "WORLD_SIZE=two is invalid"),
        (["WORLD_SIZE": "0"], "WORLD_SIZE=0 is invalid"),
        (["WORLD_SIZE": "2", "MASTER_ADDR": "h", "MASTER_PORT": "1"], "RANK is not set"),
        (["WORLD_SIZE": "2", "RANK": "2", "MASTER_ADDR": "h", "MASTER_PORT": "1"], "RANK=2 is invalid: a rank must be in 0..<WORLD_SIZE (2)"),
        (["WORLD_SIZE": "2", "RANK": "1", "MASTER_PORT": "1"], "MASTER_ADDR is not set"),
        (["WORLD_SIZE": "2", "RANK": "1", "MASTER_ADDR": "h"], "MASTER_PORT is not set"),
        (["WORLD_SIZE": "2", "RANK": "1", "MASTER_ADDR": "h", "MASTER_PORT": "70000"], "MASTER_PORT=70000 is invalid"),
        (["WORLD_SIZE": "2", "RANK": "1", "LOCAL_RANK": "-1", "MASTER_ADDR": "h", "MASTER_PORT": "1"], "LOCAL_RANK=-1 is invalid"),
    ])
    func badVariablesAreNamed(variables: [String: String], message: String) {
        #expect {
            _ = try DistributedEnvironment(environment: variables)
        } throws: { error in
            (error as? DistributedError)?.description.contains(message) ?? false
        }
    }
}

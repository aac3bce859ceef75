@testable import ParapetPipeline
import Testing

@Suite("Commit bookkeeping of one partition (no Kafka)")
struct KafkaPartitionStateTests {
    @Test func committableWaitsForTheOldestUnacknowledgedOutput() throws {
        let st = KafkaPartitionState(partition: 0, generation: 1, engine: try EngineFactory.makeEngine(), liveFrom: 10, nextOffset: 10)
        st.nextOffset = 11
        #expect(st.committable == 11)
        st.addPending(11)
        st.addPending(11)
        st.addPending(13)
        st.nextOffset = 15
        #expect(st.committable == 11)
        st.acknowledge(11)
        #expect(st.committable == 11, "one of the two outputs of offset 11 is still in flight")
        st.acknowledge(13)
        #expect(st.committable == 11)
        st.acknowledge(11)
        #expect(st.committable == 15)
        st.acknowledge(99)  // unknown: ignored
        #expect(st.committable == 15)
    }

    @Test func restorePointIsTheOldestLiveWindowBounded() throws {
        let st = KafkaPartitionState(partition: 0, generation: 1, engine: try EngineFactory.makeEngine(), liveFrom: -1, nextOffset: 0)
        for e in KafkaSamples.workload(sessions: 3, turns: 2, attackEvery: 0, prefix: "r") {
            _ = st.engine.process(e)
        }
        st.sessionStart = ["r-s0": 100, "r-s1": 40, "r-s2": 70, "gone": 5]
        #expect(st.restorePoint(committing: 200, maxRecords: 1000) == 40)
        #expect(st.sessionStart["gone"] == nil, "sessions no longer in the engine are forgotten")
        #expect(st.restorePoint(committing: 200, maxRecords: 100) == 100, "bounded by max_restore_records")
    }
}

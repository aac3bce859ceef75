import CRdKafka

/// The librdkafka version linked at run time (e.g. "2.0.2").
public enum KafkaLibrary {
    public static var version: String { String(cString: rd_kafka_version_str()) }
}

import Foundation
import Yams

/// Reading the YAML data files a deployment can replace (refusal phrases, conversation thresholds and cues): a
/// failure names the key as a path (`scoring.strong.lead`, `cues.grievance[3]`) and says what is wrong in the
/// reader's words, not the decoder's (which names its own types, such as Yams' `Scalar`). Each loader wraps the
/// problem in its own error type with the file's name.
public enum DataFileDecoding {
    /// What went wrong, and at which key (nil: the file as a whole).
    public struct Problem: Error, Sendable, Equatable {
        public var key: String?
        public var message: String

        public init(key: String?, message: String) {
            self.key = key
            self.message = message
        }

        /// `key 'a.b[2]': message`, or the message alone.
        public var text: String { (key.map { "key '\($0)': " } ?? "") + message }
    }

    /// `a.b[2].c` for a decoder's coding path; nil for the top level.
    public static func keyPath(_ path: [any CodingKey]) -> String? {
        path.isEmpty ? nil : path.reduce(into: "") { s, k in
            if let i = k.intValue { s += "[\(i)]" } else { s += (s.isEmpty ? "" : ".") + k.stringValue }
        }
    }

    /// Decodes `yaml` as `T`. `expected` says what the value at a path should be ("wrong type (expected a phrase)")
    /// when the file has another type there.
    public static func decode<T: Decodable>(
        _ type: T.Type, yaml: String, expected: ([any CodingKey]) -> String
    ) throws(Problem) -> T {
        do {
            return try YAMLDecoder().decode(T.self, from: yaml)
        } catch let DecodingError.keyNotFound(k, ctx) {
            throw Problem(key: keyPath(ctx.codingPath + [k]), message: "required key is missing")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            throw Problem(key: keyPath(ctx.codingPath), message: expected(ctx.codingPath))
        } catch let DecodingError.dataCorrupted(ctx) where !ctx.codingPath.isEmpty {
            throw Problem(key: keyPath(ctx.codingPath), message: expected(ctx.codingPath))
        } catch let DecodingError.dataCorrupted(ctx) {
            throw Problem(key: nil, message: "not valid YAML: " + (ctx.underlyingError.map { "\($0)" } ?? ctx.debugDescription))
        } catch {
            throw Problem(key: nil, message: "not valid YAML: \(error)")
        }
    }

    /// The text of a deployment's file. Foundation's description of a missing file is a dump of NSError fields;
    /// this says it plainly.
    public static func read(file path: String) throws(Problem) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Problem(key: nil, message: FileManager.default.fileExists(atPath: path)
                ? "cannot read the file (not UTF-8 text, or no permission)" : "no such file")
        }
    }
}

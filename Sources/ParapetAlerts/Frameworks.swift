import ParapetCore

/// MITRE ATLAS reference data used by the catalog and the OCSF mapper (names and tactics as in atlas-data v5.6).
public enum ATLAS {
    /// The matrix version stamped into OCSF `attack.version`.
    public static let version = "ATLAS 5.6.0"

    public struct Tactic: Sendable, Hashable, Codable {
        public var id: String
        public var name: String
    }

    public struct Technique: Sendable, Hashable, Codable {
        public var id: String
        public var name: String
        public var tactics: [String]
        /// For a sub-technique (`AML.T0051.000`): its parent technique id.
        public var parent: String? {
            let parts = id.split(separator: ".")
            return parts.count == 3 ? parts[0...1].joined(separator: ".") : nil
        }
    }

    public static let tactics: [String: Tactic] = Dictionary(uniqueKeysWithValues: [
        ("AML.TA0000", "AI Model Access"), ("AML.TA0001", "AI Attack Staging"), ("AML.TA0002", "Reconnaissance"),
        ("AML.TA0003", "Resource Development"), ("AML.TA0004", "Initial Access"), ("AML.TA0005", "Execution"),
        ("AML.TA0006", "Persistence"), ("AML.TA0007", "Defense Evasion"), ("AML.TA0008", "Discovery"),
        ("AML.TA0009", "Collection"), ("AML.TA0010", "Exfiltration"), ("AML.TA0011", "Impact"),
        ("AML.TA0012", "Privilege Escalation"), ("AML.TA0013", "Credential Access"),
        ("AML.TA0014", "Command and Control"), ("AML.TA0015", "Lateral Movement"),
    ].map { ($0.0, Tactic(id: $0.0, name: $0.1)) })

    /// The techniques the catalog refers to. Sub-techniques inherit their parent's tactics.
    public static let techniques: [String: Technique] = Dictionary(uniqueKeysWithValues: [
        Technique(id: "AML.T0029", name: "Denial of AI Service", tactics: ["AML.TA0011"]),
        Technique(id: "AML.T0034", name: "Cost Harvesting", tactics: ["AML.TA0011"]),
        Technique(id: "AML.T0040", name: "AI Model Inference API Access", tactics: ["AML.TA0000"]),
        Technique(id: "AML.T0048", name: "External Harms", tactics: ["AML.TA0011"]),
        Technique(id: "AML.T0051", name: "LLM Prompt Injection", tactics: ["AML.TA0005"]),
        Technique(id: "AML.T0051.000", name: "Direct", tactics: ["AML.TA0005"]),
        Technique(id: "AML.T0051.001", name: "Indirect", tactics: ["AML.TA0005"]),
        Technique(id: "AML.T0052", name: "Phishing", tactics: ["AML.TA0004", "AML.TA0015"]),
        Technique(id: "AML.T0053", name: "AI Agent Tool Invocation", tactics: ["AML.TA0005", "AML.TA0012"]),
        Technique(id: "AML.T0054", name: "LLM Jailbreak", tactics: ["AML.TA0012", "AML.TA0007"]),
        Technique(id: "AML.T0055", name: "Unsecured Credentials", tactics: ["AML.TA0013"]),
        Technique(id: "AML.T0056", name: "Extract LLM System Prompt", tactics: ["AML.TA0010"]),
        Technique(id: "AML.T0057", name: "LLM Data Leakage", tactics: ["AML.TA0010"]),
        Technique(id: "AML.T0068", name: "LLM Prompt Obfuscation", tactics: ["AML.TA0007"]),
        Technique(id: "AML.T0069", name: "Discover LLM System Information", tactics: ["AML.TA0008"]),
        Technique(id: "AML.T0077", name: "LLM Response Rendering", tactics: ["AML.TA0010"]),
    ].map { ($0.id, $0) })

    /// `AML.T0000` or `AML.T0000.000`.
    public static func isTechniqueID(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts[0] == "AML" else { return false }
        let t = parts[1]
        guard t.count == 5, t.first == "T", t.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        if parts.count == 3 { return parts[2].count == 3 && parts[2].allSatisfy { $0.isASCII && $0.isNumber } }
        return true
    }
}

/// OWASP Top 10 for LLM Applications, 2025 edition.
public enum OWASPLLM {
    public static let edition = "2025"
    public static let names: [String: String] = [
        "LLM01:2025": "Prompt Injection",
        "LLM02:2025": "Sensitive Information Disclosure",
        "LLM03:2025": "Supply Chain",
        "LLM04:2025": "Data and Model Poisoning",
        "LLM05:2025": "Improper Output Handling",
        "LLM06:2025": "Excessive Agency",
        "LLM07:2025": "System Prompt Leakage",
        "LLM08:2025": "Vector and Embedding Weaknesses",
        "LLM09:2025": "Misinformation",
        "LLM10:2025": "Unbounded Consumption",
    ]

    /// `LLM01:2025` ... `LLM10:2025`.
    public static func isID(_ s: String) -> Bool { names[s] != nil }
}

import ParapetCore

/// The built-in alert types. ATLAS ids from atlas-data v5.x; OWASP ids from the LLM Top 10 (2025).
enum StandardCatalog {
    static let reviewSession = "Review the session's evidence and the user's other sessions in the same time range."

    static let entries: [CatalogEntry] = [
        CatalogEntry(
            type: .jailbreakDirect, title: "Jailbreak attempt in a user prompt",
            description: "A user prompt tries to make the model ignore its rules or safety training: by changing the system rules, embedding a fake conversation, role-play with an unrestricted persona, or encoding the request.",
            defaultSeverity: .medium, subtypes: ["system_rules", "conversation_mockup", "role_play", "encoding"],
            mitreAtlas: ["AML.T0054", "AML.T0051.000"], owaspLLM: ["LLM01:2025"],
            remediation: [
                reviewSession, "Check whether the model complied in the following assistant turns; if it did, treat the output as compromised.",
                "Block or rate-limit the user if attempts repeat; consider enabling blocking mode for jailbreak in the content filter of this deployment.",
            ]),
        CatalogEntry(
            type: .jailbreakMultiTurn, title: "Multi-turn jailbreak (escalation across turns)",
            description: "Across several turns, the conversation escalates from harmless requests toward a harmful goal (crescendo): rising harm scores, back-references to earlier answers, refusals followed by rephrasing, or a harmful request split over several turns. Each message may look harmless on its own.",
            defaultSeverity: .high, subtypes: ["crescendo", "refusal_rephrase", "payload_split", "persona_setup"],
            mitreAtlas: ["AML.T0054", "AML.T0051.000", "AML.T0065"], owaspLLM: ["LLM01:2025"],
            remediation: [
                "Read the escalation trajectory in the evidence, turn by turn, and the assistant's answers to the escalating turns.",
                "If the model produced harmful content, preserve the transcript and report it to the model provider.",
                "Block the session or user; add the pattern to a custom rule pack if it recurs.",
            ]),
        CatalogEntry(
            type: .jailbreakManyShot, title: "Many-shot jailbreak",
            description: "One prompt holds many fake dialogue turns (Human:/Assistant:, User:/AI:) to prime the model into answering a harmful final question.",
            defaultSeverity: .medium, subtypes: [],
            mitreAtlas: ["AML.T0054", "AML.T0051.000"], owaspLLM: ["LLM01:2025"],
            remediation: [reviewSession, "Limit prompt length for this application if very long prompts are not expected.", "Block the user if attempts repeat."]),
        CatalogEntry(
            type: .promptInjectionDirect, title: "Direct prompt injection",
            description: "A user prompt tries to override the application's instructions, extract its system prompt, or make it run injected commands or code.",
            defaultSeverity: .medium, subtypes: ["instruction_override", "system_prompt_extraction", "payload"],
            mitreAtlas: ["AML.T0051.000"], owaspLLM: ["LLM01:2025"],
            remediation: [reviewSession, "Check whether the assistant revealed instructions or executed the injected payload.", "Harden the system prompt and validate model output before it reaches tools or renderers."]),
        CatalogEntry(
            type: .promptInjectionIndirect, title: "Indirect prompt injection in external content",
            description: "A document, email, web page or tool output that the application feeds to the model contains instructions aimed at the model (cross-prompt injection).",
            defaultSeverity: .high, subtypes: ["document", "email", "web", "file", "tool", "table", "code", "rag"],
            mitreAtlas: ["AML.T0051.001"], owaspLLM: ["LLM01:2025"],
            remediation: [
                "Identify the source named in the evidence and remove or quarantine the poisoned content.",
                "Check whether the assistant followed the injected instruction (tool calls, links, data sent out).",
                "Mark untrusted content (spotlighting) and restrict the tools the model may call after reading it.",
            ]),
        CatalogEntry(
            type: .asciiSmuggling, title: "ASCII smuggling (invisible Unicode instructions)",
            description: "The text carries instructions hidden in invisible Unicode tag characters or other invisible code points that a person cannot see but a model reads.",
            defaultSeverity: .high, subtypes: ["tag_characters", "invisible_characters"],
            mitreAtlas: ["AML.T0068", "AML.T0051.001"], owaspLLM: ["LLM01:2025"],
            remediation: ["Decode the hidden text in the evidence and find where it came from.", "Strip Unicode tag and format characters from inputs before they reach the model."]),
        CatalogEntry(
            type: .credentialLeak, title: "Credential or secret in a model response",
            description: "A model response contains what looks like a credential: an API key, access token, private key or connection string.",
            defaultSeverity: .high, subtypes: ["api_key", "token", "private_key", "connection_string", "password"],
            mitreAtlas: ["AML.T0057"], owaspLLM: ["LLM02:2025"],
            remediation: ["Rotate the exposed credential immediately.", "Find how the secret reached the model (system prompt, RAG index, tool output) and remove it.", reviewSession]),
        CatalogEntry(
            type: .systemPromptLeak, title: "System prompt or instruction leakage",
            description: "A model response repeats its system prompt or hidden instructions, usually after an extraction attempt.",
            defaultSeverity: .medium, subtypes: [],
            mitreAtlas: ["AML.T0056", "AML.T0057"], owaspLLM: ["LLM07:2025"],
            remediation: ["Assume the system prompt is public: move secrets and business logic out of it.", reviewSession]),
        CatalogEntry(
            type: .maliciousURL, title: "Suspicious or malicious URL",
            description: "A prompt, response or tool output contains a URL with an IP-literal host, punycode or lookalike domain, or a domain on the blocklist.",
            defaultSeverity: .medium, subtypes: ["prompt", "response", "tool_output", "document"],
            mitreAtlas: ["AML.T0051.001", "AML.T0057"], owaspLLM: ["LLM05:2025", "LLM01:2025"],
            remediation: ["Check the URL's reputation; block the domain at the proxy if malicious.", "If it came from the model or a tool, find the poisoned source.", "Warn the user if the link was shown to them."]),
        CatalogEntry(
            type: .reconnaissance, title: "LLM reconnaissance",
            description: "The user probes the model's instructions, tools, capabilities or safety limits; this often precedes an injection or jailbreak.",
            defaultSeverity: .low, subtypes: [],
            mitreAtlas: ["AML.T0069"], owaspLLM: ["LLM07:2025"],
            remediation: ["Watch the session and user for follow-up attacks.", reviewSession]),
        CatalogEntry(
            type: .harmfulContent(.hate), title: "Hateful content",
            description: "A prompt or response carries hate or harassment against a group or person, at or above the configured level.",
            defaultSeverity: .low, subtypes: ["request", "response"], mitreAtlas: ["AML.T0048"], owaspLLM: ["LLM09:2025"],
            remediation: ["Review the content against the application's acceptable-use policy.", "If the model produced it, consider stricter output filtering for this deployment."]),
        CatalogEntry(
            type: .harmfulContent(.sexual), title: "Sexual content",
            description: "A prompt or response carries sexual content at or above the configured level.",
            defaultSeverity: .low, subtypes: ["request", "response"], mitreAtlas: ["AML.T0048"], owaspLLM: ["LLM09:2025"],
            remediation: ["Review the content against the application's acceptable-use policy; escalate anything involving minors at once.", "Consider stricter output filtering for this deployment."]),
        CatalogEntry(
            type: .harmfulContent(.violence), title: "Violent or dangerous content",
            description: "A prompt or response asks for or gives violent or dangerous content (weapons, attacks, serious crime) at or above the configured level.",
            defaultSeverity: .low, subtypes: ["request", "response"], mitreAtlas: ["AML.T0048"], owaspLLM: ["LLM09:2025"],
            remediation: ["Review whether the model gave operational detail.", "Escalate credible threats of violence through your incident process."]),
        CatalogEntry(
            type: .harmfulContent(.selfHarm), title: "Self-harm content",
            description: "A prompt or response concerns self-harm or suicide at or above the configured level.",
            defaultSeverity: .low, subtypes: ["request", "response"], mitreAtlas: ["AML.T0048"], owaspLLM: ["LLM09:2025"],
            remediation: ["Follow the application's duty-of-care process (e.g. show crisis resources).", "Check that the model's answers followed safe-messaging guidance."]),
        CatalogEntry(
            type: .harmfulContent(.illicit), title: "Illicit or dangerous activity",
            description: "A prompt or response asks for or gives help with crime, fraud, cyber-attacks, drugs or other dangerous or illegal activity, at or above the configured level.",
            defaultSeverity: .low, subtypes: ["request", "response"], mitreAtlas: ["AML.T0048"], owaspLLM: ["LLM09:2025"],
            remediation: ["Review whether the model gave operational help.", "Block the user if requests repeat; report credible threats through your incident process."]),
        CatalogEntry(
            type: .walletDuplicateRequests, title: "Suspected wallet attack: recurring identical requests",
            description: "A user or address sends a burst of identical requests, which burns tokens (denial of wallet).",
            defaultSeverity: .medium, subtypes: [], mitreAtlas: ["AML.T0034", "AML.T0029"], owaspLLM: ["LLM10:2025"],
            remediation: ["Rate-limit or block the user or address.", "Check the application's client for retry loops before blaming a person."]),
        CatalogEntry(
            type: .walletVolumeAnomaly, title: "Suspected wallet attack: volume anomaly",
            description: "A user's request volume is far above their own recent history.",
            defaultSeverity: .medium, subtypes: [], mitreAtlas: ["AML.T0034", "AML.T0029"], owaspLLM: ["LLM10:2025"],
            remediation: ["Confirm with the user or owner whether the volume is expected.", "Apply per-user quotas."]),
        CatalogEntry(
            type: .accessAnonymizedIP, title: "Access from an anonymising network",
            description: "The request came from an address on the Tor exit list (or another anonymiser list).",
            defaultSeverity: .medium, subtypes: [], mitreAtlas: ["AML.T0040"], owaspLLM: [],
            remediation: ["Decide whether anonymised access is allowed for this application; block it at the edge if not.", reviewSession]),
        CatalogEntry(
            type: .accessSuspiciousIP, title: "Access from a suspicious IP address",
            description: "The request came from an address on a configured threat-intelligence list.",
            defaultSeverity: .high, subtypes: [], mitreAtlas: ["AML.T0040"], owaspLLM: [],
            remediation: ["Block the address.", "Look for other activity from it across your estate.", reviewSession]),
        CatalogEntry(
            type: .accessSuspiciousUserAgent, title: "Suspicious user agent",
            description: "The request's user agent matches a configured list of attack tools or scripted clients.",
            defaultSeverity: .medium, subtypes: [], mitreAtlas: ["AML.T0040"], owaspLLM: [],
            remediation: ["Confirm whether automated access is expected for this application.", reviewSession]),
        CatalogEntry(
            type: .toolAnomalousInvocation, title: "Anomalous tool invocation",
            description: "The model invoked a tool in a way that deviates from expected behaviour, e.g. right after reading untrusted content that carried instructions, or with arguments that carry an injection.",
            defaultSeverity: .low, subtypes: ["after_injection", "injected_arguments"], mitreAtlas: ["AML.T0053"], owaspLLM: ["LLM06:2025"],
            remediation: ["Check what the tool call did and undo it if needed.", "Require confirmation for sensitive tools after untrusted content was read."]),
    ]
}

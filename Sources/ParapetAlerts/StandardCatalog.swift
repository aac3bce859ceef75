import ParapetCore

/// The built-in alert types. ATLAS ids and names from atlas-data v5.6; OWASP ids from the LLM Top 10 (2025).
/// Every `AlertType` constant in ParapetCore and every type a detector can emit must have an entry here
/// (checked by `CatalogTests`).
enum StandardCatalog {
    static let reviewSession =
        "Open the alert's evidence and read the flagged turns together with the assistant's answers to them."
    static let otherSessions =
        "Search the same user id and source IP for other alerts in the same time range (other sessions, other apps)."
    static let blockRepeat =
        "If attempts repeat, suspend or rate-limit the user id and source IP at the application or API gateway."

    static let jailbreakFamily = ["AI.Azure_Jailbreak.ContentFiltering.DetectedAttempt",
                                  "AI.Azure_Jailbreak.ContentFiltering.BlockedAttempt", "AI.Azure_Agentic_Jailbreak"]

    static let entries: [CatalogEntry] = [
        CatalogEntry(
            type: .jailbreakDirect, title: "Jailbreak attempt in a user prompt",
            description: "A user prompt tries to make the model ignore its rules or safety training in one message: by declaring new system rules, embedding a fake conversation (conversation mockup), role-play with an unrestricted persona, a story, research or game frame wrapped around a harmful ask, or encoding the request (ciphers, base64, leetspeak, other languages).",
            defaultSeverity: .medium, subtypes: ["system_rules", "conversation_mockup", "role_play", "encoding", "adversarial_suffix"],
            mitreAtlas: ["AML.T0054", "AML.T0051.000"], owaspLLM: ["LLM01:2025"],
            remediation: [
                reviewSession,
                "Check whether the model complied in the following assistant turns; if it did, treat that output as compromised and check where it went (shown to the user, passed to tools, stored).",
                otherSessions,
                blockRepeat,
                "If the deployment only annotates jailbreaks, consider switching the jailbreak filter to blocking for this application.",
            ],
            defenderEquivalents: jailbreakFamily, subtypeAtlas: ["encoding": ["AML.T0068"]]),
        CatalogEntry(
            type: .jailbreakMultiTurn, title: "Multi-turn jailbreak (escalation across turns)",
            description: "Across several turns, the conversation escalates from harmless requests toward a harmful goal (crescendo): rising harm scores, back-references to the model's earlier answers, refusals followed by rephrasing, or a harmful request split over several turns. Each message may look harmless on its own; the evidence lists the escalating turns in order.",
            defaultSeverity: .high, subtypes: ["crescendo", "refusal_rephrase", "refusal_to_compliance", "refused_escalation", "payload_split", "persona_setup"],
            mitreAtlas: ["AML.T0054", "AML.T0051.000"], owaspLLM: ["LLM01:2025"],
            remediation: [
                "Read the escalation trajectory in the evidence turn by turn (the report's timeline shows the scores per turn), and the assistant's answers to the escalating turns.",
                "Decide whether the model produced the harmful content; if it did, preserve the transcript (event ids in the alert) and report it to the model provider.",
                "Terminate the session and suspend the user id if the goal was clearly harmful.",
                otherSessions,
                "If the same trajectory recurs, add it to a custom rule pack and lower the session-risk threshold for this application.",
            ]),
        CatalogEntry(
            type: .jailbreakManyShot, title: "Many-shot jailbreak",
            description: "One prompt holds many fabricated dialogue turns (Human:/Assistant:, User:/AI:) that show an assistant complying, to prime the model into answering a harmful final question.",
            defaultSeverity: .medium, subtypes: [],
            mitreAtlas: ["AML.T0054", "AML.T0051.000"], owaspLLM: ["LLM01:2025"],
            remediation: [
                reviewSession,
                "Check whether the assistant answered the final question.",
                "Cap prompt length for this application if very long prompts are not expected.",
                blockRepeat,
            ],
            defenderEquivalents: jailbreakFamily),
        CatalogEntry(
            type: .promptInjectionDirect, title: "Direct prompt injection",
            description: "A user prompt tries to override the application's instructions, extract its system prompt, or make it run injected commands, markup or code.",
            defaultSeverity: .medium, subtypes: ["instruction_override", "system_prompt_extraction", "payload"],
            mitreAtlas: ["AML.T0051.000"], owaspLLM: ["LLM01:2025"],
            remediation: [
                reviewSession,
                "Check whether the assistant revealed its instructions or executed the injected payload (tool calls, rendered markup, code).",
                "Validate and encode model output before it reaches tools, renderers or other systems.",
                blockRepeat,
            ],
            defenderEquivalents: jailbreakFamily,
            subtypeAtlas: ["system_prompt_extraction": ["AML.T0056"]]),
        CatalogEntry(
            type: .promptInjectionIndirect, title: "Indirect prompt injection in external content",
            description: "A document, email, web page, file, retrieved passage or tool output that the application feeds to the model contains instructions aimed at the model (cross-prompt injection). The attacker is whoever wrote that content, not necessarily the user.",
            defaultSeverity: .high, subtypes: ["document", "email", "web", "file", "tool", "table", "code", "rag"],
            mitreAtlas: ["AML.T0051.001"], owaspLLM: ["LLM01:2025"],
            remediation: [
                "Identify the source named in the evidence (source kind, name, URI) and remove or quarantine the poisoned content from the index, mailbox or share.",
                "Check whether the assistant followed the injected instruction: tool calls after this turn, links shown, data sent out.",
                "Find other sessions that retrieved the same source and review them.",
                "Mark untrusted content as such (spotlighting/delimiting) and require confirmation for sensitive tools after untrusted content was read.",
            ]),
        CatalogEntry(
            type: .asciiSmuggling, title: "ASCII smuggling (invisible Unicode instructions)",
            description: "The text carries instructions hidden in invisible Unicode tag characters (U+E0000 block) or an unusual number of other invisible code points: a person sees nothing, the model reads the hidden text. The evidence shows the decoded hidden text.",
            defaultSeverity: .high, subtypes: ["tag_characters", "invisible_characters"],
            mitreAtlas: ["AML.T0068", "AML.T0051"], owaspLLM: ["LLM01:2025"],
            remediation: [
                "Read the decoded hidden text in the evidence and find where the content came from (pasted by the user, a document, a tool).",
                "Check whether the assistant acted on the hidden instruction in the following turns.",
                "Strip Unicode tag characters and other invisible format characters from inputs before they reach the model.",
            ],
            defenderEquivalents: ["AI.Azure_ASCIISmuggling", "AI.Azure_Agentic_ASCIISmuggling"]),
        CatalogEntry(
            type: .credentialLeak, title: "Credential or secret in a model response",
            description: "A model response contains what looks like a credential: an API key, access token, private key, password or connection string. The evidence masks the secret and keeps only its kind and first characters.",
            defaultSeverity: .high, subtypes: ["api_key", "token", "private_key", "connection_string", "password"],
            mitreAtlas: ["AML.T0057", "AML.T0055"], owaspLLM: ["LLM02:2025"],
            remediation: [
                "Treat the credential as exposed: revoke and rotate it now, then check its audit logs for use since the alert's first_seen time.",
                "Find how the secret reached the model (system prompt, retrieval index, tool output, training data) and remove it there.",
                reviewSession,
                otherSessions,
            ],
            defenderEquivalents: ["AI.Azure_CredentialTheftAttempt"]),
        CatalogEntry(
            type: .systemPromptLeak, title: "System prompt or instruction leakage",
            description: "A model response repeats its system prompt or hidden instructions, usually after an extraction attempt earlier in the session.",
            defaultSeverity: .medium, subtypes: [],
            mitreAtlas: ["AML.T0056"], owaspLLM: ["LLM07:2025"],
            remediation: [
                "Assume the system prompt is now public: make sure it holds no secrets, credentials or internal URLs, and move business rules and access control out of it.",
                reviewSession,
                "Look for follow-up injection or jailbreak attempts by the same user that use what was learned.",
            ],
            defenderEquivalents: ["AI.Azure_Agentic_InstructionLeakage"]),
        CatalogEntry(
            type: .maliciousURL, title: "Suspicious or malicious URL",
            description: "A prompt, response, document or tool output contains a URL with an IP-literal host, punycode or lookalike domain, a data-carrying query, or a domain on the configured blocklist. The subtype says where it appeared: from the user (prompt), from the model (response) or from a tool or document.",
            defaultSeverity: .medium, subtypes: ["prompt", "response", "tool_output", "document"],
            mitreAtlas: ["AML.T0052", "AML.T0077"], owaspLLM: ["LLM05:2025", "LLM01:2025"],
            remediation: [
                "Check the URL's reputation (threat intelligence, sandbox); block the domain at the web proxy if it is malicious.",
                "If the URL came from the model or a tool, find the poisoned source (retrieval index, web page, tool) that put it there.",
                "If the link was shown to the user, warn the user and check proxy logs for clicks.",
                "Do not render model-supplied links or images automatically (markdown image exfiltration).",
            ],
            defenderEquivalents: ["AI.Azure_MaliciousUrl.UserPrompt", "AI.Azure_MaliciousUrl.ModelResponse",
                                  "AI.Azure_MaliciousUrl.UnknownSource", "AI.Azure_Agentic_MaliciousUrl.ToolOutput"]),
        CatalogEntry(
            type: .reconnaissance, title: "LLM reconnaissance",
            description: "The user probes the model's instructions, tools, capabilities or safety limits. On its own this may be curiosity; it often precedes an injection or jailbreak.",
            defaultSeverity: .low, subtypes: ["repeated_probing", "system_prompt_probe", "capability_probe"],
            mitreAtlas: ["AML.T0069"], owaspLLM: ["LLM07:2025"],
            remediation: [
                "Watch the session and user for follow-up attacks (the incident is updated if it grows).",
                reviewSession,
                "Check whether the assistant disclosed its instructions or tool list.",
            ],
            defenderEquivalents: ["AI.Azure_LLMReconnaissance", "AI.Azure_Agentic_LLMReconnaissance"]),
        harm(.hate, "Hateful content",
             "A prompt or response carries hate or harassment against a group or person (race, ethnicity, gender, religion, orientation, disability…), at or above the configured level.",
             ["Review the content against the application's acceptable-use policy.",
              "If the model produced it, tighten the hate output filter for this deployment.",
              "Apply the acceptable-use process to the user (warning, suspension) if the request was deliberate."]),
        harm(.sexual, "Sexual content",
             "A prompt or response carries sexual content at or above the configured level.",
             ["Review the content against the application's acceptable-use policy; escalate anything involving minors immediately through the legal reporting process.",
              "If the model produced it, tighten the sexual-content output filter for this deployment.",
              "Apply the acceptable-use process to the user if the request was deliberate."]),
        harm(.violence, "Violent content",
             "A prompt or response asks for or gives violent content (threats, weapons, attacks, terrorism) at or above the configured level.",
             ["Check whether the model gave operational detail (instructions, targets, quantities).",
              "Escalate credible threats of violence through the incident and legal process.",
              "Apply the acceptable-use process to the user if the request was deliberate."]),
        harm(.selfHarm, "Self-harm content",
             "A prompt or response concerns self-harm or suicide at or above the configured level.",
             ["Follow the application's duty-of-care process (e.g. make sure crisis resources were shown to the user).",
              "Check that the model's answers followed safe-messaging guidance and gave no method detail.",
              "Do not treat the user as an attacker by default; route the case to the trust-and-safety team."]),
        harm(.illicit, "Illicit or dangerous activity",
             "A prompt or response asks for or gives help with crime, fraud, cyber-attacks, drugs or other dangerous or illegal activity, at or above the configured level.",
             ["Check whether the model gave operational help (steps, code, sources).",
              blockRepeat,
              "Report credible threats through the incident and legal process."]),
        CatalogEntry(
            type: .walletDuplicateRequests, title: "Suspected wallet attack: recurring identical requests",
            description: "A user or source address sends a burst of identical requests, which burns tokens and quota (denial of wallet). The incident is per user across sessions.",
            defaultSeverity: .medium, subtypes: [], mitreAtlas: ["AML.T0034", "AML.T0029"], owaspLLM: ["LLM10:2025"],
            remediation: [
                "Check the application's client for retry loops before blaming a person (same user agent, regular intervals).",
                "Rate-limit or block the user id or source address at the API gateway.",
                "Review token spend for the affected deployment over the incident's time range.",
            ],
            scope: .user, defenderEquivalents: ["AI.Azure_DOWDuplicateRequests"]),
        CatalogEntry(
            type: .walletVolumeAnomaly, title: "Suspected wallet attack: volume anomaly",
            description: "A user's request or token volume is far above their own recent history. The incident is per user across sessions.",
            defaultSeverity: .medium, subtypes: [], mitreAtlas: ["AML.T0034", "AML.T0029"], owaspLLM: ["LLM10:2025"],
            remediation: [
                "Confirm with the user or the application owner whether the volume is expected (batch job, new feature).",
                "If not, check the credential for compromise (new IPs, new user agents) and rotate it.",
                "Apply per-user quotas and spending alerts.",
            ],
            scope: .user, defenderEquivalents: ["AI.Azure_DOWVolumeAnomaly", "AI.Azure_Agentic_DOWVolumeAnomaly"]),
        CatalogEntry(
            type: .accessAnonymizedIP, title: "Access from an anonymising network",
            description: "The request came from an address on the Tor exit list (or another configured anonymiser list). OWASP has no access category; LLM10 (abuse of the inference API) is the nearest.",
            defaultSeverity: .medium, subtypes: ["tor", "vpn", "proxy"], mitreAtlas: ["AML.T0040"], owaspLLM: ["LLM10:2025"],
            remediation: [
                "Decide whether anonymised access is allowed for this application; block the exit list at the edge if not.",
                otherSessions,
                "Check the user id's other access patterns (new countries, new user agents) for account compromise.",
            ],
            scope: .user, defenderEquivalents: ["AI.Azure_AccessFromAnonymizedIP", "AI.Azure_Agentic_AccessFromAnonymizedIP"]),
        CatalogEntry(
            type: .accessSuspiciousIP, title: "Access from a suspicious IP address",
            description: "The request came from an address on a configured threat-intelligence list. OWASP has no access category; LLM10 (abuse of the inference API) is the nearest.",
            defaultSeverity: .high, subtypes: [], mitreAtlas: ["AML.T0040"], owaspLLM: ["LLM10:2025"],
            remediation: [
                "Block the address at the edge.",
                "Look for other activity from it across the estate (SIEM search on the IP).",
                "Check the user id for compromise and rotate its credentials if the user does not recognise the access.",
            ],
            scope: .user, defenderEquivalents: ["AI.Azure_AccessFromSuspiciousIP", "AI.Azure_Agentic_AccessFromSuspiciousIP"]),
        CatalogEntry(
            type: .accessSuspiciousUserAgent, title: "Suspicious user agent",
            description: "The request's user agent matches a configured list of attack tools, scanners or scripted clients. OWASP has no access category; LLM10 (abuse of the inference API) is the nearest.",
            defaultSeverity: .medium, subtypes: [], mitreAtlas: ["AML.T0040"], owaspLLM: ["LLM10:2025"],
            remediation: [
                "Confirm whether automated access is expected for this application and user.",
                "If not, block the user agent and source address at the edge and check the credential for compromise.",
                otherSessions,
            ],
            scope: .user,
            defenderEquivalents: ["AI.Azure_AccessFromSuspiciousUserAgent", "AI.Azure_Agentic_AccessFromSuspiciousUserAgent"]),
        CatalogEntry(
            type: .userRepeatedAttacks, title: "Repeated attacks by one user across sessions",
            description: "The same user id (or, without one, the same source address) raised prompt-attack alerts (jailbreak, prompt injection, smuggling) in several sessions within the correlation window: a persistent attacker rather than a one-off. The incident is per user; the evidence names the sessions and the alerts.",
            defaultSeverity: .high, subtypes: [], mitreAtlas: ["AML.T0054", "AML.T0051.000"], owaspLLM: ["LLM01:2025"],
            remediation: [
                "List the user's sessions named in the evidence and open their alerts; check whether any attempt succeeded.",
                "Suspend the user id (and block the source addresses) until the owner of the account is contacted.",
                "If the account is shared or compromised, rotate its credentials and review its recent activity.",
            ],
            scope: .user),
        CatalogEntry(
            type: .toolAnomalousInvocation, title: "Anomalous tool invocation",
            description: "The model invoked a tool in a way that deviates from expected behaviour, e.g. right after reading untrusted content that carried instructions, or with arguments that carry an injection.",
            defaultSeverity: .low, subtypes: ["after_injection", "injected_arguments"], mitreAtlas: ["AML.T0053"],
            owaspLLM: ["LLM06:2025"],
            remediation: [
                "Check what the tool call did (tool logs, target system) and undo it if needed.",
                "Find the content the model read before the call; if it carried instructions, treat it as indirect prompt injection.",
                "Require user confirmation for sensitive tools after untrusted content was read; reduce the tool's permissions.",
            ],
            defenderEquivalents: ["AI.Azure_AnomalousToolInvocation"]),
    ]

    /// Harmful content: ATLAS External Harms. OWASP has no content-harm category; harmful output means the
    /// model's safety behaviour was bypassed or absent, which the 2025 list files under LLM01.
    /// Subtypes: where the content was (request / response), or the kind of harm a rule names.
    static func harm(_ c: HarmCategory, _ title: String, _ description: String, _ steps: [String]) -> CatalogEntry {
        CatalogEntry(
            type: .harmfulContent(c), title: title, description: description, defaultSeverity: .low,
            subtypes: ["request", "response"] + (harmKinds[c] ?? []), mitreAtlas: ["AML.T0048"], owaspLLM: ["LLM01:2025"],
            remediation: steps)
    }

    static let harmKinds: [HarmCategory: [String]] = [
        .illicit: ["cyber", "drugs", "fraud", "misinformation", "privacy", "theft", "crime", "dishonesty", "environmental",
                   "evading_law"],
        .hate: ["harassment", "discrimination", "generated"],
        .sexual: ["minors", "explicit", "non_consensual"],
        .violence: ["violence", "weapons", "abuse", "extremism"],
    ]
}

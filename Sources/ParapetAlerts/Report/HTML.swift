/// HTML escaping for the report. Everything that comes from the input (evidence, ids, titles) goes through
/// `HTML.escape` — text and attribute values alike — so that attacker-controlled text can never add markup.
public enum HTML {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "`": out += "&#96;"
            default:
                // Control characters (other than tab/newline) and the noncharacters HTML forbids are dropped.
                if u.value < 0x20 && u != "\n" && u != "\t" { continue }
                if (0x7F...0x9F).contains(u.value) || (0xFDD0...0xFDEF).contains(u.value) || u.value & 0xFFFE == 0xFFFE {
                    continue
                }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// A number for SVG coordinates: fixed, short, locale-independent.
    static func num(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}

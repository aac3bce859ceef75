import ParapetCore
import Testing

@Suite("StableHash")
struct StableHashTests {
    // Vectors from FIPS 180-2 and from an independent implementation (Python's hashlib), chosen around the
    // padding boundaries (55, 56, 63, 64 bytes) where a hand-written SHA-256 goes wrong.
    @Test("sha256 matches known vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 55), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (String(repeating: "a", count: 56), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (String(repeating: "a", count: 63), "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (String(repeating: "a", count: 64), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        ("héllo wörld 👋", "395591396b4fe97051476ba48689cd98b5cd16e0fe66892f7f92173b9bd50c27"),
    ])
    func vectors(input: String, hex: String) {
        #expect(StableHash.hex(StableHash.sha256(input)) == hex)
        #expect(StableHash.sha256(input).count == 32)
    }

    @Test("sha256 of a million 'a' (multi-block)")
    func millionA() {
        #expect(StableHash.hex(StableHash.sha256(bytes: [UInt8](repeating: 0x61, count: 1_000_000)))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("hex is lower-case, two digits a byte")
    func hex() {
        #expect(StableHash.hex([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect(StableHash.hex([]) == "")
    }

    @Test("id: length-prefixed parts, so different splits of the same text differ")
    func ids() {
        #expect(StableHash.id(prefix: "pa-", ["v1", "sess-a", "ascii_smuggling", "e-1"]) == "pa-4fc5d7b0faf1576b653c342daa9f5a62")
        #expect(StableHash.id(prefix: "x", ["ab", "c"]) != StableHash.id(prefix: "x", ["a", "bc"]))
        #expect(StableHash.id(prefix: "x", ["a;", "b"]) != StableHash.id(prefix: "x", ["a", ";b"]))
        #expect(StableHash.id(prefix: "p-", ["a"], hexLength: 8).count == 10)
    }

    @Test("fnv1a64 matches the reference values")
    func fnv() {
        func h(_ s: String) -> UInt64 { Array(s.utf8).withUnsafeBufferPointer { StableHash.fnv1a64($0) } }
        #expect(h("") == 0xcbf2_9ce4_8422_2325)
        #expect(h("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(h("foobar") == 0x8594_4171_f739_67e8)
    }
}

/**
 * DNS messages decoded by hand-built packets: every record type we read is printed as
 * miekg/dns's String() prints it (blackbox_exporter matches its regexes against that text).
 */
import { describe, expect, test } from "bun:test";
import { ipv6Text, quotedOctets } from "../../lib/exporter/net/dns-text.ts";
import { decodeMessage, encodeQuery, rcodeName } from "../../lib/exporter/net/dns-wire.ts";

const u16 = (n: number) => [n >> 8, n & 0xff];
const u32 = (n: number) => [...u16(Math.floor(n / 65536)), ...u16(n % 65536)];
/** A name as length-prefixed labels, each label given as text or bytes. */
const name = (...labels: (string | number[])[]) => [
  ...labels.flatMap((label) => {
    const bytes = typeof label === "string" ? [...Buffer.from(label)] : label;
    return [bytes.length, ...bytes];
  }),
  0,
];
/** A compression pointer to an offset in the message. */
const pointer = (offset: number) => [0xc0 | (offset >> 8), offset & 0xff];
/** Labels followed by a pointer to the rest of the name. */
const under = (rest: number[], ...labels: (string | number[])[]) => [
  ...name(...labels).slice(0, -1),
  ...rest,
];
const rr = (owner: number[], type: number, cls: number, ttl: number, data: number[]) => [
  ...owner,
  ...u16(type),
  ...u16(cls),
  ...u32(ttl),
  ...u16(data.length),
  ...data,
];

/** Header + one question for example.com (its name at offset 12), then the sections. */
function message(answer: number[][], authority: number[][] = [], additional: number[][] = []) {
  const header = [
    ...u16(0x1234),
    ...u16(0x8180), // QR, RD, RA, NOERROR
    ...u16(1),
    ...u16(answer.length),
    ...u16(authority.length),
    ...u16(additional.length),
  ];
  const question = [...name("example", "com"), ...u16(1), ...u16(1)];
  return new Uint8Array([header, question, ...answer, ...authority, ...additional].flat(2));
}
const example = pointer(12);
const texts = (bytes: Uint8Array) => decodeMessage(bytes).answer.map((record) => record.text);

describe("records as miekg/dns prints them", () => {
  test("A, AAAA, CNAME, NS, PTR, MX, SRV, SOA", () => {
    const soa = [
      ...name("ns", "example", "com"),
      ...name("noc", "example", "com"),
      ...[1000, 7200, 3600, 1209600, 3600].flatMap(u32),
    ];
    const v6 = [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1];
    expect(
      texts(
        message([
          rr(example, 1, 1, 3600, [192, 0, 2, 1]),
          rr(example, 28, 1, 300, v6),
          rr(name("www", "example", "com"), 5, 1, 60, example),
          rr(example, 2, 1, 7200, under(example, "ns1")),
          rr(name("1", "2", "0", "192", "in-addr", "arpa"), 12, 1, 60, example),
          rr(example, 15, 1, 300, [...u16(10), ...under(example, "mail")]),
          rr(name("_sip", "_udp"), 33, 1, 300, [...u16(0), ...u16(5), ...u16(5060), ...example]),
          rr(example, 6, 1, 3600, soa),
        ]),
      ),
    ).toEqual([
      "example.com.\t3600\tIN\tA\t192.0.2.1",
      "example.com.\t300\tIN\tAAAA\t2001:db8::1",
      "www.example.com.\t60\tIN\tCNAME\texample.com.",
      "example.com.\t7200\tIN\tNS\tns1.example.com.",
      "1.2.0.192.in-addr.arpa.\t60\tIN\tPTR\texample.com.",
      "example.com.\t300\tIN\tMX\t10 mail.example.com.",
      "_sip._udp.\t300\tIN\tSRV\t0 5 5060 example.com.",
      "example.com.\t3600\tIN\tSOA\tns.example.com. noc.example.com. 1000 7200 3600 1209600 3600",
    ]);
  });

  test("TXT strings quoted and escaped, CAA, another class, the root", () => {
    const txt = [...[11, ...Buffer.from("v=spf1 -all")], ...[10, ...Buffer.from('say "hi"\\'), 7]];
    expect(
      texts(
        message([
          rr(example, 16, 1, 300, txt),
          rr(example, 16, 3, 3600, [7, ...Buffer.from("goCHAOS")]),
          rr(example, 257, 1, 300, [
            0,
            5,
            ...Buffer.from("issue"),
            ...Buffer.from("letsencrypt.org"),
          ]),
          rr([0], 2, 1, 518400, name("a", "root-servers", "net")),
        ]),
      ),
    ).toEqual([
      'example.com.\t300\tIN\tTXT\t"v=spf1 -all" "say \\"hi\\"\\\\\\007"',
      'example.com.\t3600\tCH\tTXT\t"goCHAOS"',
      'example.com.\t300\tIN\tCAA\t0 issue "letsencrypt.org"',
      ".\t518400\tIN\tNS\ta.root-servers.net.",
    ]);
  });

  test("special and unprintable bytes in names; other types in RFC 3597 form", () => {
    expect(
      texts(
        message([
          rr(under(example, "a b", [0x01, 0x2e, 0xff]), 1, 1, 5, [10, 0, 0, 1]),
          // ANY is a type name too: miekg prints the class by number.
          rr(example, 1, 255, 5, [10, 0, 0, 2]),
          rr(example, 65280, 1, 300, [0xab, 0xcd, 0xef]),
          rr(example, 65280, 1, 300, []),
        ]),
      ),
    ).toEqual([
      "a\\ b.\\001\\.\\255.example.com.\t5\tIN\tA\t10.0.0.1",
      "example.com.\t5\tCLASS255\tA\t10.0.0.2",
      "example.com.\t300\tCLASS1\tTYPE65280\t\\# 3 abcdef",
      "example.com.\t300\tCLASS1\tTYPE65280\t\\# 0 ",
    ]);
  });

  test("the three sections are kept apart", () => {
    const decoded = decodeMessage(
      message(
        [rr(example, 1, 1, 3600, [127, 0, 0, 1])],
        [rr(example, 2, 1, 7200, name("ns1", "isp", "net"))],
        [
          rr(name("ns1", "isp", "net"), 1, 1, 7200, [127, 0, 0, 1]),
          rr(name("ns1", "isp", "net"), 28, 1, 7200, [...Array(15).fill(0), 1]),
        ],
      ),
    );
    expect(decoded.rcode).toBe(0);
    expect(decoded.answer.map((r) => r.text)).toEqual(["example.com.\t3600\tIN\tA\t127.0.0.1"]);
    expect(decoded.authority.map((r) => r.text)).toEqual([
      "example.com.\t7200\tIN\tNS\tns1.isp.net.",
    ]);
    expect(decoded.additional.map((r) => r.text)).toEqual([
      "ns1.isp.net.\t7200\tIN\tA\t127.0.0.1",
      "ns1.isp.net.\t7200\tIN\tAAAA\t::1",
    ]);
  });

  test("a pointer loop or a cut message is an error, not a hang", () => {
    const loop = message([rr(pointer(12), 1, 1, 1, [1, 2, 3, 4])]);
    loop.set(pointer(12), 12); // the question's name now points at itself
    expect(() => decodeMessage(loop)).toThrow("too many compression pointers");
    const whole = message([rr(example, 1, 1, 1, [1, 2, 3, 4])]);
    expect(() => decodeMessage(whole.subarray(0, whole.length - 2))).toThrow("truncated");
    expect(() => decodeMessage(message([rr(example, 1, 1, 1, [1, 2, 3])]))).toThrow("not 4");
  });
});

describe("text forms", () => {
  test("IPv6 as Go prints it: the longest zero run (the first of equals) as ::", () => {
    const v6 = (...groups: number[]) => new Uint8Array(groups.flatMap(u16));
    expect(ipv6Text(v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1))).toBe("2001:db8::1:0:0:1");
    expect(ipv6Text(v6(0x2001, 0xdb8, 0, 1, 0, 0, 0, 1))).toBe("2001:db8:0:1::1");
    expect(ipv6Text(v6(0x2001, 0xdb8, 0, 1, 2, 3, 4, 5))).toBe("2001:db8:0:1:2:3:4:5");
    expect(ipv6Text(v6(0, 0, 0, 0, 0, 0, 0, 0))).toBe("::");
    expect(ipv6Text(v6(0xfe80, 0, 0, 0, 0, 0, 0, 0))).toBe("fe80::");
    expect(ipv6Text(v6(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201))).toBe("::ffff:192.0.2.1");
  });

  test("CAA values: backslash escapes in the data are read, quotes escaped", () => {
    expect(quotedOctets(new Uint8Array(Buffer.from('a"b\\065\\.c\\')))).toBe('"a\\"bA\\.c"');
  });

  test("our query: one question, recursion desired, no EDNS; rcode names", () => {
    const query = encodeQuery(0xbeef, "api.svc.test.", 28);
    expect(Array.from(query.subarray(0, 12))).toEqual([0xbe, 0xef, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(decodeMessage(query).question).toEqual({ name: "api.svc.test.", type: 28, class: 1 });
    expect(encodeQuery(1, "api.svc.test", 1)).toEqual(encodeQuery(1, "api.svc.test.", 1));
    expect([0, 2, 3, 5, 15].map(rcodeName)).toEqual([
      "NOERROR",
      "SERVFAIL",
      "NXDOMAIN",
      "REFUSED",
      "RCODE15",
    ]);
  });
});

/**
 * DNS messages on the wire (RFC 1035): the query we send and the sections of the answer, each
 * record in the text form miekg/dns's String() gives it, which blackbox_exporter's regexes match.
 */
import { rdataText, rrTypeName } from "./dns-rdata.ts";
import { escapeLabelByte } from "./dns-text.ts";

export interface DnsRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** "name\tTTL\tCLASS\tTYPE\tRDATA", as miekg/dns prints it (RFC 3597 form for other types). */
  text: string;
}

export interface DnsHeader {
  id: number;
  /** QR: a response, not a query. */
  response: boolean;
  /** TC: the answer did not fit (UDP); ask again over TCP. */
  truncated: boolean;
}

export interface DnsMessage extends DnsHeader {
  /** The 4-bit header RCODE. */
  rcode: number;
  question: { name: string; type: number; class: number } | undefined;
  answer: DnsRecord[];
  authority: DnsRecord[];
  additional: DnsRecord[];
}

// As miekg: ANY (255) is also a type name, so it prints as CLASS255.
const classNames: Record<number, string> = { 1: "IN", 2: "CS", 3: "CH", 4: "HS", 254: "NONE" };

/** The classes a question may ask for by name (miekg's StringToClass, ANY included). */
export const queryClasses: Readonly<Record<string, number>> = {
  IN: 1,
  CS: 2,
  CH: 3,
  HS: 4,
  NONE: 254,
  ANY: 255,
};
const rcodeNames = [
  "NOERROR",
  "FORMERR",
  "SERVFAIL",
  "NXDOMAIN",
  "NOTIMP",
  "REFUSED",
  "YXDOMAIN",
  "YXRRSET",
  "NXRRSET",
  "NOTAUTH",
  "NOTZONE",
];

/** A name rcodeName can give: a known one, or RCODE<n> for a code without one. */
export function isRcodeName(name: string): boolean {
  const numbered = /^RCODE(\d+)$/.exec(name);
  if (numbered) return Number(numbered[1]) >= rcodeNames.length && Number(numbered[1]) < 4096;
  return rcodeNames.includes(name);
}

export const knownRcodes: readonly string[] = rcodeNames;

export function rcodeName(rcode: number): string {
  return rcodeNames[rcode] ?? `RCODE${rcode}`;
}

/** One question, recursion desired, no EDNS (as blackbox_exporter's default query). */
/** A query for name/type in `queryClass` (IN), with RD set unless `recursionDesired` is false. */
export function encodeQuery(
  id: number,
  name: string,
  type: number,
  recursionDesired = true,
  queryClass = 1,
): Uint8Array {
  const labels = name.replace(/\.$/, "").split(".").filter(Boolean);
  const nameBytes: number[] = [];
  for (const label of labels) {
    const bytes = new TextEncoder().encode(label);
    if (bytes.length > 63) throw new Error(`label "${label}" is longer than 63 bytes`);
    nameBytes.push(bytes.length, ...bytes);
  }
  nameBytes.push(0);
  if (nameBytes.length > 255) throw new Error(`name "${name}" is longer than 255 bytes`);
  const out = new Uint8Array(12 + nameBytes.length + 4);
  const view = new DataView(out.buffer);
  view.setUint16(0, id);
  view.setUint16(2, recursionDesired ? 0x0100 : 0); // RD
  view.setUint16(4, 1); // QDCOUNT
  out.set(nameBytes, 12);
  view.setUint16(12 + nameBytes.length, type);
  view.setUint16(14 + nameBytes.length, queryClass);
  return out;
}

/** A reader over one message: names may point anywhere in it (compression). */
export class WireReader {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  need(offset: number, length: number): void {
    if (offset + length > this.bytes.length) throw new Error("message is truncated or malformed");
  }

  u8(offset: number): number {
    this.need(offset, 1);
    return this.view.getUint8(offset);
  }

  u16(offset: number): number {
    this.need(offset, 2);
    return this.view.getUint16(offset);
  }

  u32(offset: number): number {
    this.need(offset, 4);
    return this.view.getUint32(offset);
  }

  /** The name at offset in presentation form ("." for the root) and where it ends here. */
  name(offset: number): { name: string; end: number } {
    let text = "";
    let at = offset;
    let end = -1;
    let pointers = 0;
    let budget = 255;
    for (;;) {
      const length = this.u8(at);
      if (length === 0) {
        at += 1;
        break;
      }
      if ((length & 0xc0) === 0xc0) {
        const target = ((length & 0x3f) << 8) | this.u8(at + 1);
        if (end < 0) end = at + 2;
        if (++pointers > 126) throw new Error("too many compression pointers");
        at = target;
        continue;
      }
      if (length & 0xc0) throw new Error("reserved label type");
      budget -= length + 1;
      if (budget <= 0) throw new Error("name is longer than 255 bytes");
      this.need(at + 1, length);
      for (const byte of this.bytes.subarray(at + 1, at + 1 + length))
        text += escapeLabelByte(byte);
      text += ".";
      at += 1 + length;
    }
    return { name: text || ".", end: end < 0 ? at : end };
  }
}

function headerText(record: Omit<DnsRecord, "text">, generic: boolean): string {
  const cls = generic ? undefined : classNames[record.class];
  const type = generic ? undefined : rrTypeName(record.type);
  return `${record.name}\t${record.ttl}\t${cls ?? `CLASS${record.class}`}\t${type ?? `TYPE${record.type}`}\t`;
}

function readRecord(reader: WireReader, offset: number): { record: DnsRecord; end: number } {
  const { name, end: nameEnd } = reader.name(offset);
  const type = reader.u16(nameEnd);
  const cls = reader.u16(nameEnd + 2);
  const ttl = reader.u32(nameEnd + 4);
  const length = reader.u16(nameEnd + 8);
  const start = nameEnd + 10;
  reader.need(start, length);
  const fields = { name, type, class: cls, ttl };
  // miekg prints a record without data (RDLENGTH 0) as its header alone.
  const data =
    rrTypeName(type) === undefined
      ? undefined
      : length === 0
        ? ""
        : rdataText(reader, type, start, length);
  const text =
    data === undefined
      ? `${headerText(fields, true)}\\# ${length} ${Buffer.from(reader.bytes.subarray(start, start + length)).toString("hex")}`
      : headerText(fields, false) + data;
  return { record: { ...fields, text }, end: start + length };
}

export function decodeHeader(bytes: Uint8Array): DnsHeader {
  const reader = new WireReader(bytes);
  const flags = reader.u16(2);
  return {
    id: reader.u16(0),
    response: (flags & 0x8000) !== 0,
    truncated: (flags & 0x0200) !== 0,
  };
}

export function decodeMessage(bytes: Uint8Array): DnsMessage {
  const reader = new WireReader(bytes);
  const flags = reader.u16(2);
  const counts = [reader.u16(4), reader.u16(6), reader.u16(8), reader.u16(10)] as const;
  let at = 12;
  let question: DnsMessage["question"];
  for (let i = 0; i < counts[0]; i++) {
    const { name, end } = reader.name(at);
    if (i === 0) question = { name, type: reader.u16(end), class: reader.u16(end + 2) };
    reader.need(end, 4);
    at = end + 4;
  }
  const sections: DnsRecord[][] = [[], [], []];
  for (const [index, section] of sections.entries()) {
    for (let i = 0; i < (counts[index + 1] as number); i++) {
      const { record, end } = readRecord(reader, at);
      section.push(record);
      at = end;
    }
  }
  return {
    ...decodeHeader(bytes),
    rcode: flags & 0x000f,
    question,
    answer: sections[0] as DnsRecord[],
    authority: sections[1] as DnsRecord[],
    additional: sections[2] as DnsRecord[],
  };
}

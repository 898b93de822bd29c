/** The record types we read, and their data in miekg/dns's text form. */
import { escapeText, ipv6Text, quotedOctets } from "./dns-text.ts";
import type { WireReader } from "./dns-wire.ts";

export const rrTypes = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  CAA: 257,
} as const;
export type RrTypeName = keyof typeof rrTypes;

const typeNames = new Map<number, string>(
  Object.entries(rrTypes).map(([name, code]) => [code, name]),
);

/** The mnemonic of a type we read; undefined for the others (printed as TYPEn, RFC 3597). */
export function rrTypeName(type: number): string | undefined {
  return typeNames.get(type);
}

/** A name that must fill the data exactly (CNAME, NS, PTR), or the tail after fixed fields. */
function nameAt(reader: WireReader, offset: number, end: number): string {
  const { name, end: after } = reader.name(offset);
  if (after !== end) throw new Error("record data length does not match its content");
  return name;
}

function exactly(length: number, wanted: number, type: string): void {
  if (length !== wanted) throw new Error(`${type} record data is ${length} bytes, not ${wanted}`);
}

/** The data of a record of a type we read as miekg/dns prints it; undefined for other types. */
export function rdataText(
  reader: WireReader,
  type: number,
  start: number,
  length: number,
): string | undefined {
  const end = start + length;
  const bytes = reader.bytes.subarray(start, end);
  switch (type) {
    case rrTypes.A:
      exactly(length, 4, "A");
      return Array.from(bytes).join(".");
    case rrTypes.AAAA:
      exactly(length, 16, "AAAA");
      return ipv6Text(bytes);
    case rrTypes.CNAME:
    case rrTypes.NS:
    case rrTypes.PTR:
      return nameAt(reader, start, end);
    case rrTypes.MX:
      return `${reader.u16(start)} ${nameAt(reader, start + 2, end)}`;
    case rrTypes.SRV:
      return `${reader.u16(start)} ${reader.u16(start + 2)} ${reader.u16(start + 4)} ${nameAt(reader, start + 6, end)}`;
    case rrTypes.SOA: {
      const ns = reader.name(start);
      const mbox = reader.name(ns.end);
      if (mbox.end + 20 !== end) throw new Error("record data length does not match its content");
      const numbers = [0, 4, 8, 12, 16].map((at) => reader.u32(mbox.end + at));
      return `${ns.name} ${mbox.name} ${numbers.join(" ")}`;
    }
    case rrTypes.TXT: {
      const strings: string[] = [];
      for (let at = 0; at < length; ) {
        const size = bytes[at] as number;
        if (at + 1 + size > length) throw new Error("TXT string runs past the record data");
        strings.push(`"${escapeText(bytes.subarray(at + 1, at + 1 + size))}"`);
        at += 1 + size;
      }
      return strings.join(" ");
    }
    case rrTypes.CAA: {
      const tagLength = reader.u8(start + 1);
      if (2 + tagLength > length) throw new Error("CAA tag runs past the record data");
      const tag = escapeText(bytes.subarray(2, 2 + tagLength));
      return `${bytes[0]} ${tag} ${quotedOctets(bytes.subarray(2 + tagLength))}`;
    }
    default:
      return undefined;
  }
}

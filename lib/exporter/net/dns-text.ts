/** Presentation-format escaping as miekg/dns prints records (blackbox_exporter's RR strings). */

const labelSpecial = new Set(
  [".", " ", "'", "@", ";", "(", ")", '"', "\\"].map((c) => c.charCodeAt(0)),
);

/** \DDD, three decimal digits. */
function escapeByte(byte: number): string {
  return `\\${byte.toString().padStart(3, "0")}`;
}

function unprintable(byte: number): boolean {
  return byte < 0x20 || byte > 0x7e;
}

/** One byte of a name's label: specials backslashed, unprintable bytes as \DDD. */
export function escapeLabelByte(byte: number): string {
  if (labelSpecial.has(byte)) return `\\${String.fromCharCode(byte)}`;
  return unprintable(byte) ? escapeByte(byte) : String.fromCharCode(byte);
}

/** One byte of a quoted string: " and \ backslashed, unprintable bytes as \DDD. */
function escapeTextByte(byte: number): string {
  if (byte === 0x22 || byte === 0x5c) return `\\${String.fromCharCode(byte)}`;
  return unprintable(byte) ? escapeByte(byte) : String.fromCharCode(byte);
}

/** A <character-string>'s bytes escaped, without quotes (miekg's unpackString). */
export function escapeText(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += escapeTextByte(byte);
  return out;
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

/**
 * miekg's sprintTxtOctet over raw bytes (CAA's value): a backslash in the data is read as an
 * escape (\DDD or \X), "\." is kept as is, everything else is escaped as in a quoted string.
 */
export function quotedOctets(bytes: Uint8Array): string {
  let out = '"';
  for (let i = 0; i < bytes.length; ) {
    const byte = bytes[i] as number;
    if (byte === 0x5c && bytes[i + 1] === 0x2e) {
      out += "\\.";
      i += 2;
      continue;
    }
    if (byte !== 0x5c) {
      out += escapeTextByte(byte);
      i += 1;
    } else if (i + 1 >= bytes.length) {
      i += 1; // a dangling backslash is dropped
    } else if (
      bytes.length - i >= 4 &&
      isDigit(bytes[i + 1]) &&
      isDigit(bytes[i + 2]) &&
      isDigit(bytes[i + 3])
    ) {
      const value =
        ((bytes[i + 1] as number) - 0x30) * 100 +
        ((bytes[i + 2] as number) - 0x30) * 10 +
        ((bytes[i + 3] as number) - 0x30);
      out += escapeTextByte(value & 0xff);
      i += 4;
    } else {
      out += escapeTextByte(bytes[i + 1] as number);
      i += 2;
    }
  }
  return `${out}"`;
}

/** Go's net.IP.String() for 16 bytes, behind miekg's "::ffff:" for IPv4-mapped addresses. */
export function ipv6Text(bytes: Uint8Array): string {
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return `::ffff:${Array.from(bytes.subarray(12)).join(".")}`;
  const groups = Array.from(
    { length: 8 },
    (_, i) => ((bytes[2 * i] as number) << 8) | (bytes[2 * i + 1] as number),
  );
  // RFC 5952: the longest run of two or more zero groups (the first of equals) becomes "::".
  let zeroStart = -1;
  let zeroEnd = -1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i >= 2 && j - i > zeroEnd - zeroStart) {
      zeroStart = i;
      zeroEnd = j;
    }
  }
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (i === zeroStart) {
      out += "::";
      i = zeroEnd;
      if (i >= 8) break;
    } else if (i > 0) out += ":";
    out += (groups[i] as number).toString(16);
  }
  return out;
}

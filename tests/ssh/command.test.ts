/** The per-stream output cap of --run: it cuts between characters, never inside one. */
import { describe, expect, test } from "bun:test";
import { CappedBuffer } from "../../lib/ssh/command.ts";

const capped = (limit: number, ...chunks: string[]) => {
  const buffer = new CappedBuffer(limit);
  for (const chunk of chunks) buffer.push(Buffer.from(chunk));
  return { text: buffer.text(), dropped: buffer.dropped };
};

describe("CappedBuffer", () => {
  test("keeps the first bytes and counts the rest", () => {
    expect(capped(4, "ab", "cdef", "gh")).toEqual({ text: "abcd", dropped: 4 });
    expect(capped(4, "abcd")).toEqual({ text: "abcd", dropped: 0 });
  });

  test("a cut inside a UTF-8 character keeps the whole characters before it", () => {
    // "é" is 2 bytes, "€" 3, "😀" 4: a cap at any byte inside one drops all of it.
    expect(capped(2, "aé")).toEqual({ text: "a", dropped: 2 });
    expect(capped(3, "a€b")).toEqual({ text: "a", dropped: 4 });
    expect(capped(4, "a😀")).toEqual({ text: "a", dropped: 4 });
    expect(capped(5, "a😀", "b")).toEqual({ text: "a😀", dropped: 1 });
    // The cap falls at the end of a chunk that ends inside a character continued in the next one.
    const euro = Buffer.from("€");
    const buffer = new CappedBuffer(3);
    buffer.push(Buffer.concat([Buffer.from("a"), euro.subarray(0, 2)]));
    buffer.push(euro.subarray(2));
    expect({ text: buffer.text(), dropped: buffer.dropped }).toEqual({ text: "a", dropped: 3 });
  });

  test("output that is not cut keeps its bytes as they are", () => {
    const buffer = new CappedBuffer(10);
    buffer.push(Buffer.from([0x61, 0xc3]));
    expect(buffer.dropped).toBe(0);
    expect(buffer.text()).toBe("a\uFFFD");
  });

  test("the text so far of a stream given up on leaves out a last character cut short", () => {
    const buffer = new CappedBuffer(10);
    buffer.push(Buffer.concat([Buffer.from("a€"), Buffer.from("😀").subarray(0, 3)]));
    expect(buffer.textSoFar()).toBe("a€");
    expect(buffer.dropped).toBe(0);
    const whole = new CappedBuffer(10);
    whole.push(Buffer.from("a€"));
    expect(whole.textSoFar()).toBe("a€");
  });
});

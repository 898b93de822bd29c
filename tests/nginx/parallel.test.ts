/** How the pieces threads read are put back in file order (lib/nginx/parallel.ts). */
import { expect, test } from "bun:test";
import { numberBadLines, pieceBytes } from "../../lib/nginx/parallel.ts";
import type { BadLine } from "../../lib/nginx/summary.ts";

const bad = (line: number, text: string): BadLine => ({ source: "a.log", line, text, reason: "r" });

test("bad lines get the file's line numbers and order from pieces read in any order by any thread", () => {
  // Pieces 0-4 hold 10, 20, 30, 40 and 50 lines. Thread A read 3, then 0, then 4; thread B read
  // 1 and then 2 (nothing bad in 2); thread C started too late to get a piece.
  const a = {
    summary: { badExamples: [bad(5, "3:5"), bad(40, "3:40"), bad(1, "0:1"), bad(50, "4:50")] },
    pieces: [
      { index: 3, lines: 40, badBefore: 0 },
      { index: 0, lines: 10, badBefore: 2 },
      { index: 4, lines: 50, badBefore: 3 },
    ],
  };
  const b = {
    summary: { badExamples: [bad(20, "1:20")] },
    pieces: [
      { index: 1, lines: 20, badBefore: 0 },
      { index: 2, lines: 30, badBefore: 1 },
    ],
  };
  const c = { summary: { badExamples: [] }, pieces: [] };
  // 4:50 at 150: the 100 lines of pieces 0-3 (read by both threads) come before it.
  expect(numberBadLines([a, b, c], 5).map((x) => [x.line, x.text])).toEqual([
    [1, "0:1"],
    [30, "1:20"],
    [65, "3:5"],
    [100, "3:40"],
    [150, "4:50"],
  ]);
  // A thread whose examples stopped at the limit: later pieces start past its last example.
  const capped = {
    summary: { badExamples: [bad(2, "1:2")] },
    pieces: [
      { index: 1, lines: 20, badBefore: 0 },
      { index: 3, lines: 40, badBefore: 1 },
    ],
  };
  const other = {
    summary: { badExamples: [] },
    pieces: [
      { index: 0, lines: 10, badBefore: 0 },
      { index: 2, lines: 30, badBefore: 0 },
    ],
  };
  expect(numberBadLines([capped, other], 4).map((x) => x.line)).toEqual([12]);
});

test("pieces are an eighth of --min-range, between 64 KiB and 16 MiB", () => {
  expect(pieceBytes(128 << 20)).toBe(16 << 20);
  expect(pieceBytes(1 << 30)).toBe(16 << 20);
  expect(pieceBytes(32 << 20)).toBe(4 << 20);
  expect(pieceBytes(4096)).toBe(64 << 10);
});

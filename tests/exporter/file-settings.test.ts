/** The file check's settings: a depth that cannot be walked is refused when the config loads. */
import { expect, test } from "bun:test";
import { refusal } from "./helpers.ts";

test("max_depth is a whole number, 0 or more", () => {
  expect(refusal("file", "/tmp", { recursive: true, max_depth: -1 })).toContain(
    "file.max_depth: expected a whole number, 0 or more (got -1)",
  );
  expect(refusal("file", "/tmp", { recursive: true, max_depth: 1.5 })).toContain(
    "file.max_depth: expected a whole number",
  );
  expect(refusal("file", "/tmp", { recursive: true, max_depth: 0 })).toBe("");
  expect(refusal("file", "/tmp", { recursive: true, max_depth: 3 })).toBe("");
});

/** tableToCsv: cells from the log (paths, user agents, referers) are an attacker's text. */
import { expect, test } from "bun:test";
import { type Table, tableToCsv } from "../../lib/nginx/report.ts";

const csvOf = (keys: string[]) => {
  const table: Table = {
    name: "top-user-agents",
    title: "Top user agents",
    columns: ["user agent", "requests"],
    rows: keys.map((key) => [key, 1]),
  };
  return tableToCsv(table).split("\n").slice(1, -1);
};

test("--csv: a cell a spreadsheet would read as a formula is written as text", () => {
  expect(
    csvOf(["=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1"]),
  ).toEqual([
    "'=cmd|' /C calc'!A0,1",
    "'+1+cmd|' /C calc'!A0,1",
    "'-2+3,1",
    "'@SUM(A1:A9),1",
    "'\t=1,1",
  ]);
  // With a comma it is quoted as well; the quote goes inside.
  expect(csvOf(['=HYPERLINK("http://x",1)'])).toEqual(['"\'=HYPERLINK(""http://x"",1)",1']);
});

test("--csv: ordinary keys and numbers are unchanged (nginx's '-' for no referer, paths, negatives)", () => {
  expect(csvOf(["-", "/a,b", 'say "hi"', "Mozilla/5.0"])).toEqual([
    "-,1",
    '"/a,b",1',
    '"say ""hi""",1',
    "Mozilla/5.0,1",
  ]);
  const numbers: Table = { name: "t", title: "t", columns: ["n"], rows: [[-1], [null]] };
  expect(tableToCsv(numbers)).toBe("n\n-1\n\n");
});

/** Prints "<passed> <failed>" from bun test's JUnit report: skipped and todo tests count as neither. */
const path = Bun.argv[2] ?? "junit.xml";
const xml = await Bun.file(path).text();
let passed = 0;
let failed = 0;
for (const match of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
  const body = match[2] ?? "";
  if (/<(failure|error)\b/.test(body)) failed++;
  else if (!/<skipped\b/.test(body)) passed++;
}
console.log(`${passed} ${failed}`);

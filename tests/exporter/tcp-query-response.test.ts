/**
 * tcp query_response as blackbox_exporter's prober/query_response.go runs it, against scripted
 * servers on 127.0.0.1: expect is matched line by line (bufio.Scanner), send is expanded with the
 * matched line's groups (Regexp.Expand) and sent with "\n".
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${1} is Go's Expand syntax, not JS's.
import { afterEach, describe, expect, test } from "bun:test";
import { createServer, type Server, type Socket } from "node:net";
import { check, checkSpec, detail } from "./helpers.ts";

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A server running `script` on each connection; returns its host:port. */
async function serve(script: (socket: Socket) => void): Promise<string> {
  const server = createServer((socket) => {
    socket.on("error", () => {});
    script(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return `127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

/** Writes `text` and closes the connection. */
const says = (text: string | Buffer) => serve((socket) => socket.end(text));

const expecting = (...patterns: string[]) => ({
  query_response: patterns.map((pattern) => ({ expect: pattern })),
});

describe("expect is matched against one line at a time", () => {
  test("a regex cannot span two lines", async () => {
    const target = await says("first\nsecond\n");
    const result = await check("tcp", target, expecting("first\\nsecond"));
    expect(result.success).toBe(false);
    expect(detail(result, "failed_due_to_regex")).toBe(1);
    expect((await check("tcp", target, expecting("^second$"))).success).toBe(true);
  });

  test("a partial line is not matched until its newline comes", async () => {
    // "OK" now, the rest of the line only once the probe has sent something: blackbox waits
    // for the whole line ("OKAY"), which ^OK$ does not match, so nothing is ever sent.
    const received: string[] = [];
    const target = await serve((socket) => {
      socket.write("OK");
      socket.on("data", (data) => {
        received.push(data.toString());
        socket.end("AY\r\n");
      });
    });
    const steps = { query_response: [{ expect: "^OK$" }, { send: "next" }] };
    const result = await check("tcp", target, steps, "1s");
    expect(result.success).toBe(false);
    expect(received).toEqual([]);
  });

  test("the rest of a matched line is not searched by the next expect", async () => {
    const target = await says("220 ready 250 ok\n");
    expect((await check("tcp", target, expecting("^220", "250"))).success).toBe(false);
    const twoLines = await says("220 ready\n250 ok\n");
    expect((await check("tcp", twoLines, expecting("^220", "^250 ok$"))).success).toBe(true);
  });

  test("\\r\\n ends a line: the \\r is not part of it, a \\r inside a line is", async () => {
    const crlf = await says("220 ready\r\n");
    expect((await check("tcp", crlf, expecting("^220 ready$"))).success).toBe(true);
    expect((await check("tcp", crlf, expecting("ready\\r"))).success).toBe(false);
    // Go's . matches \r; only \n ends a line.
    const inner = await says("a\rb\n");
    expect((await check("tcp", inner, expecting("^a.b$"))).success).toBe(true);
  });

  test("a last line without newline is matched when the connection ends, its \\r dropped", async () => {
    expect((await check("tcp", await says("last"), expecting("^last$"))).success).toBe(true);
    expect((await check("tcp", await says("last\r"), expecting("^last$"))).success).toBe(true);
  });

  test("bytes that are not UTF-8 are one U+FFFD each, as Go's regexp reads them", async () => {
    // E2 82 is a cut-off three-byte sequence: Go sees two invalid bytes, not one.
    const target = await says(Buffer.from([0x3c, 0xe2, 0x82, 0x3e, 0x0a]));
    expect((await check("tcp", target, expecting("^<\\x{FFFD}{2}>$"))).success).toBe(true);
  });

  test("a line of 64 KiB or more fails the probe as bufio.Scanner does (token too long)", async () => {
    const longest = await says(`${"x".repeat(65535)}\nend\n`);
    expect((await check("tcp", longest, expecting("^end$"))).success).toBe(true);
    const tooLong = await says(`${"x".repeat(65536)}\nend\n`);
    const result = await check("tcp", tooLong, expecting("^end$"));
    expect(result.success).toBe(false);
    expect(result.error).toContain("token too long");
    // A read error is not a regex failure (blackbox leaves probe_failed_due_to_regex at 0).
    expect(detail(result, "failed_due_to_regex")).toBe(0);
  });
});

/** Collects what the probe sends, line by line, answering each line with `answer(line)`. */
function lineServer(greeting: string, answer: (line: string) => string | undefined) {
  const received: string[] = [];
  const target = serve((socket) => {
    socket.write(greeting);
    let pending = "";
    socket.on("data", (data) => {
      pending += data.toString("latin1");
      for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n")) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        received.push(line);
        const reply = answer(line);
        if (reply !== undefined) socket.write(reply);
      }
    });
  });
  return { target, received };
}

describe("send is expanded with the matched line's groups (Go's Regexp.Expand)", () => {
  test("IRC PING/PONG: PONG ${1} answers the server's token", async () => {
    const irc = lineServer(":irc.test NOTICE * :hello\r\n:irc.test PING :LAG1234\r\n", (line) =>
      line === "PONG :LAG1234" ? ":irc.test 001 probe :Welcome\r\n" : undefined,
    );
    const result = await check(
      "tcp",
      await irc.target,
      {
        query_response: [
          { send: "NICK probe" },
          // blackbox's irc_banner example: the send of the expect's own step is expanded.
          { expect: "^:[^ ]+ PING (.+)$", send: "PONG ${1}" },
          { expect: "^:[^ ]+ 001 " },
        ],
      },
      "2s",
    );
    expect(result.error).toBeUndefined();
    expect(result.success).toBe(true);
    expect(irc.received).toEqual(["NICK probe", "PONG :LAG1234"]);
  });

  test("in the step of the expect: named groups, $$, a greedy $1x; a send without expect is literal", async () => {
    const server = lineServer("user=bob host=db1\n", () => "ok\n");
    const result = await check("tcp", await server.target, {
      query_response: [
        { expect: "user=(?P<user>\\w+) host=(\\w+)", send: "HELLO $user@${2} $$1 $1x. ${3}!" },
        { expect: "^ok$" },
        { send: "cost $5" },
      ],
    });
    expect(result.error).toBeUndefined();
    for (let i = 0; i < 50 && server.received.length < 2; i++) await Bun.sleep(20);
    expect(server.received).toEqual(["HELLO bob@db1 $1 . !", "cost $5"]);
  });
});

test("an empty send, as written or once expanded, sends nothing (not a bare newline)", async () => {
  const server = lineServer("go\n", () => undefined);
  const result = await check("tcp", await server.target, {
    query_response: [{ expect: "^(x)?go$", send: "${1}" }, { send: "" }, { send: "end" }],
  });
  expect(result.success).toBe(true);
  for (let i = 0; i < 50 && server.received.length === 0; i++) await Bun.sleep(20);
  expect(server.received).toEqual(["end"]);
});

describe("labels: probe_expect_info from the matched line", () => {
  test("each label's value is expanded from the line expect matched", async () => {
    const target = await says("SSH-2.0-OpenSSH_9.6 Debian\r\n");
    const result = await check("tcp", target, {
      query_response: [
        {
          expect: "^SSH-2\\.0-(?P<software>\\S+)",
          labels: [
            { name: "software", value: "${software}" },
            { name: "banner", value: "$0" },
          ],
        },
      ],
    });
    expect(result.error).toBeUndefined();
    expect(result.details).toContainEqual({
      name: "expect_info",
      value: 1,
      labels: { software: "OpenSSH_9.6", banner: "SSH-2.0-OpenSSH_9.6" },
    });
  });

  test("a label name that is not one, or is the check's own, is refused at config time", () => {
    const labelled = (name: string) => () =>
      checkSpec("tcp", "127.0.0.1:1", {
        query_response: [{ expect: "x", labels: [{ name, value: "$0" }] }],
      });
    expect(labelled("9lives")).toThrow(
      '.tcp.query_response[0].labels[0].name: "9lives" is not a valid label name',
    );
    expect(labelled("check")).toThrow('"check" is reserved');
    expect(labelled("__x")).toThrow('"__x" is reserved');
  });
});

describe("expect_bytes: the next bytes of the stream, compared exactly (blackbox 0.28)", () => {
  /** Writes `data` and keeps the connection open (the probe's timeout ends it). */
  const holds = (data: Buffer) => serve((socket) => socket.write(data));

  test("raw bytes without a newline match at once; the string's UTF-8 is compared", async () => {
    // No "\n" and the connection stays open: a line reader would wait until the timeout.
    const target = await holds(Buffer.from([0x00, 0x16, 0xc2, 0x80]));
    const result = await check("tcp", target, { query_response: [{ expect_bytes: "\0\x16\x80" }] });
    expect(result.error).toBeUndefined();
    expect(result.success).toBe(true);
    expect(detail(result, "failed_due_to_bytes")).toBe(0);
  });

  test("only its length is read: what follows is left to the next step", async () => {
    const target = await says("+OK rest of line\nnext\n");
    const steps = { query_response: [{ expect_bytes: "+OK" }, { expect: "^ rest of line$" }] };
    const result = await check("tcp", target, steps);
    expect(result.error).toBeUndefined();
    expect(result.success).toBe(true);
  });

  test("bytes behind a line an expect matched are not lost", async () => {
    const target = await holds(Buffer.from("220 ready\r\n\x01\x02", "latin1"));
    const steps = { query_response: [{ expect: "^220" }, { expect_bytes: "\x01\x02" }] };
    expect((await check("tcp", target, steps)).success).toBe(true);
  });

  test("other bytes fail the check with failed_due_to_bytes 1", async () => {
    const result = await check("tcp", await says("something-else"), {
      query_response: [{ expect_bytes: "not-a-line" }],
    });
    expect(result.success).toBe(false);
    expect(result.error).toContain('"not-a-line"');
    expect(detail(result, "failed_due_to_bytes")).toBe(1);
    expect(detail(result, "failed_due_to_regex")).toBe(0);
  });

  test("a connection that ends first fails, not as a bytes mismatch", async () => {
    const result = await check("tcp", await says("not-a"), {
      query_response: [{ expect_bytes: "not-a-line" }],
    });
    expect(result.success).toBe(false);
    expect(result.error).toContain("5 of 10 bytes");
    expect(detail(result, "failed_due_to_bytes")).toBe(0);
  });

  test("the send of its step is sent as written (nothing to expand)", async () => {
    const server = lineServer("HI", () => undefined);
    const result = await check("tcp", await server.target, {
      query_response: [{ expect_bytes: "HI", send: "got ${1}" }],
    });
    expect(result.success).toBe(true);
    for (let i = 0; i < 50 && server.received.length === 0; i++) await Bun.sleep(20);
    expect(server.received).toEqual(["got ${1}"]);
  });

  test("failed_due_to_bytes is 0 on every connected tcp check, as blackbox registers it", async () => {
    const result = await check("tcp", await says("220 hi\n"), expecting("^220"));
    expect(detail(result, "failed_due_to_bytes")).toBe(0);
  });

  test("expect and expect_bytes in one step are refused; an empty expect_bytes is no step", async () => {
    const both = () =>
      checkSpec("tcp", "127.0.0.1:1", { query_response: [{ expect: "x", expect_bytes: "x" }] });
    expect(both).toThrow("query_response[0]: expect and expect_bytes exclude each other");
    const result = await check("tcp", await says(""), { query_response: [{ expect_bytes: "" }] });
    expect(result.success).toBe(true);
  });
});

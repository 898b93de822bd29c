/** log_format compilation, nginx.conf reading, the byte scanner and escape decoding. */
import { describe, expect, test } from "bun:test";
import { decodeValue } from "../../lib/nginx/decode.ts";
import { parseMillis } from "../../lib/nginx/fields.ts";
import { compileFormat, formatFromConf, resolveFormat } from "../../lib/nginx/format.ts";
import { LineScanner } from "../../lib/nginx/scanner.ts";

const encoder = new TextEncoder();

function scan(
  formatText: string,
  line: string,
  escaping: "default" | "json" = "default",
): string[] | null {
  const format = compileFormat(formatText, escaping);
  const scanner = new LineScanner(format);
  const bytes = encoder.encode(line);
  if (!scanner.scan(bytes, 0, bytes.length)) return null;
  return format.variables.map((_, i) =>
    new TextDecoder().decode(bytes.subarray(scanner.starts[i], scanner.ends[i])),
  );
}

describe("log_format", () => {
  test("presets and literal strings; variables that touch are refused", () => {
    expect(resolveFormat(undefined).variables).toEqual([
      "remote_addr",
      "remote_user",
      "time_local",
      "request",
      "status",
      "body_bytes_sent",
      "http_referer",
      "http_user_agent",
    ]);
    expect(resolveFormat("main").variables).toContain("http_x_forwarded_for");
    expect(compileFormat(`$${"{"}host}:$server_port x`).variables).toEqual(["host", "server_port"]);
    expect(() => compileFormat("$a$b")).toThrow("have nothing between them");
    expect(() => resolveFormat("nonsense")).toThrow("neither a preset");
  });

  test("reads log_format (multi-part strings, escape=json, comments) from nginx.conf", () => {
    const conf = `
      http {
        # log_format commented 'x';
        log_format upstream '$remote_addr [$time_local] '
                            '"$request" $status $upstream_response_time';
        log_format js escape=json '{"s":$status,"u":"$request_uri"}';
      }`;
    const upstream = formatFromConf(conf, "upstream");
    expect(upstream.text).toBe(
      '$remote_addr [$time_local] "$request" $status $upstream_response_time',
    );
    expect(formatFromConf(conf, "js").escape).toBe("json");
    expect(formatFromConf(conf, "combined").name).toBe("combined");
    expect(() => formatFromConf(conf, "nope", "x.conf")).toThrow(
      'x.conf: no log_format named "nope" (found: upstream, js)',
    );
  });

  test("nginx.conf escapes: \\t \\r \\n are control bytes, \\\" \\' \\\\ the character (as nginx reads them)", () => {
    // What nginx 1.22 writes for this log_format: real tabs between the fields.
    const conf = String.raw`
      log_format tsv '$remote_addr\t$status\t\"$request\"\t\'$http_user_agent\'\t\\$body_bytes_sent\x';
      log_format dq "$remote_addr\t\"$request\"";`;
    const tsv = formatFromConf(conf, "tsv");
    expect(tsv.text).toBe(
      `$remote_addr\t$status\t"$request"\t'$http_user_agent'\t\\$body_bytes_sent\\x`,
    );
    expect(scan(tsv.text, `10.0.0.1\t200\t"GET / HTTP/1.1"\t'curl/8'\t\\12\\x`)).toEqual([
      "10.0.0.1",
      "200",
      "GET / HTTP/1.1",
      "curl/8",
      "12",
    ]);
    expect(formatFromConf(conf, "dq").text).toBe(`$remote_addr\t"$request"`);
  });

  test("--format reads the same escapes as nginx.conf: a log_format pasted from it matches", () => {
    // As typed in a shell: --format '$remote_addr\t$status\t\"$request\"' keeps the backslashes.
    const format = resolveFormat(String.raw`$remote_addr\t$status\t\"$request\"\x`);
    expect(format.text).toBe(`$remote_addr\t$status\t"$request"\\x`);
    expect(scan(format.text, `10.0.0.1\t200\t"GET / HTTP/1.1"\\x`)).toEqual([
      "10.0.0.1",
      "200",
      "GET / HTTP/1.1",
    ]);
  });
});

describe("scanner", () => {
  test("multi-value upstream variables keep their separators", () => {
    expect(
      scan(
        "$status $upstream_response_time $upstream_status $host",
        "502 0.000, 0.004 : 0.010 502, 200 : 200 h",
      ),
    ).toEqual(["502", "0.000, 0.004 : 0.010", "502, 200 : 200", "h"]);
    expect(parseMillis(encoder.encode("0.000, 0.004 : 0.010"), 0, 20)).toBe(14);
    expect(parseMillis(encoder.encode("-"), 0, 1)).toBe(-1);
  });

  test("escape=json values with escaped quotes; truncated lines rejected", () => {
    const format = '{"a":"$request","s":$status}';
    expect(scan(format, '{"a":"GET /\\"x\\" HTTP/1.1","s":200}', "json")).toEqual([
      'GET /\\"x\\" HTTP/1.1',
      "200",
    ]);
    expect(scan(format, '{"a":"GET / HTTP/1.1","s":200', "json")).toBeNull();
    expect(
      scan(
        resolveFormat("combined").text,
        '1.2.3.4 - - [26/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200',
      ),
    ).toBeNull();
  });

  test("decoding: nginx \\xHH and JSON escapes", () => {
    expect(decodeValue(encoder.encode("caf\\xC3\\xA9 \\x22q\\x22 \\x5C"), "default")).toBe(
      'café "q" \\',
    );
    expect(decodeValue(encoder.encode('a\\"b\\\\c\\u00e9\\n'), "json")).toBe('a"b\\cé\n');
  });
});

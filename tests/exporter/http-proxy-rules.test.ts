/**
 * Which proxy a request goes through, as golang.org/x/net/http/httpproxy decides for
 * prometheus/common (no_proxy, proxy_from_environment): the cases of its own proxy_test.go.
 * Pure functions: nothing is dialed.
 */
import { describe, expect, test } from "bun:test";
import {
  type ProxyRules,
  proxyForUrl,
  rulesFromEnvironment,
} from "../../lib/exporter/net/proxy-rules.ts";

const chosen = (rules: Partial<ProxyRules>, request = "http://example.com") =>
  proxyForUrl(
    { httpProxy: "", httpsProxy: "", noProxy: "", cgi: false, ...rules },
    new URL(request),
  )?.href;

describe("the proxy's URL", () => {
  test("host[:port] without a scheme is http://; http, https and socks5 are kept", () => {
    expect(chosen({ httpProxy: "127.0.0.1:8080" })).toBe("http://127.0.0.1:8080/");
    expect(chosen({ httpProxy: "cache.corp.example.com:1234" })).toBe(
      "http://cache.corp.example.com:1234/",
    );
    expect(chosen({ httpProxy: "cache.corp.example.com" })).toBe("http://cache.corp.example.com/");
    expect(chosen({ httpProxy: "localhost" })).toBe("http://localhost/");
    expect(chosen({ httpProxy: "https://cache.corp.example.com" })).toBe(
      "https://cache.corp.example.com/",
    );
    expect(chosen({ httpProxy: "socks5://127.0.0.1" })).toBe("socks5://127.0.0.1");
  });

  test("HTTPS_PROXY for https targets, HTTP_PROXY for http ones, nothing for others", () => {
    const both = { httpProxy: "http.proxy.tld", httpsProxy: "secure.proxy.tld" };
    expect(chosen(both, "http://insecure.tld/")).toBe("http://http.proxy.tld/");
    expect(chosen(both, "https://secure.tld/")).toBe("http://secure.proxy.tld/");
    expect(chosen({ httpProxy: "http.proxy.tld" }, "https://secure.tld/")).toBeUndefined();
    expect(chosen({ httpProxy: "http.proxy.tld" }, "ftp://insecure.tld/")).toBeUndefined();
    expect(chosen({})).toBeUndefined();
  });

  test("in a CGI environment HTTP_PROXY is refused (it may come from a request), HTTPS_PROXY kept", () => {
    expect(() => chosen({ httpProxy: "http://10.1.2.3:8080", cgi: true })).toThrow(
      "refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy",
    );
    expect(chosen({ httpsProxy: "https://secure.proxy.tld", cgi: true }, "https://x.tld/")).toBe(
      "https://secure.proxy.tld/",
    );
  });
});

describe("no_proxy", () => {
  const rules = (noProxy: string) => ({ httpProxy: "proxy", noProxy });
  test("a domain matches itself and its subdomains; a leading dot subdomains only", () => {
    expect(chosen(rules("example.com"), "http://example.com/")).toBeUndefined();
    expect(chosen(rules("example.com"), "http://foo.example.com/")).toBeUndefined();
    expect(chosen(rules(".example.com"), "http://example.com/")).toBe("http://proxy/");
    expect(chosen(rules("ample.com"), "http://example.com/")).toBe("http://proxy/");
    expect(chosen(rules(".foo.com"), "http://example.com/")).toBe("http://proxy/");
  });

  test("internationalized names compare in their ASCII form", () => {
    expect(chosen(rules(".示例.com"), "http://www.示例.com")).toBeUndefined();
    expect(chosen(rules("xn--fsq092h.com"), "http://www.示例.com")).toBeUndefined();
    expect(chosen(rules("示例.com"), "http://www.xn--fsq092h.com")).toBeUndefined();
  });

  // httpproxy's TestUseProxy list, every host asked on port 80.
  const list =
    "foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, 10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, 2002:db8:a::45/64";
  const proxied: [string, boolean][] = [
    ["localhost", false],
    ["127.0.0.1", false],
    ["127.0.0.2", false],
    ["[::1]", false],
    ["[::2]", true],
    ["192.168.1.1", false],
    ["192.168.1.2", true],
    ["192.168.1.3", false],
    ["192.168.1.4", true],
    ["10.0.0.2", false],
    ["[2001:db8::52:0:1]", false],
    ["[2001:db8::52:0:2]", true],
    ["[2001:db8::52:0:3]", false],
    ["[2002:db8:a::123]", false],
    ["[fe80::424b:c8be:1643:a1b6]", true],
    ["barbaz.net", true],
    ["www.barbaz.net", false],
    ["foobar.com", false],
    ["www.foobar.com", false],
    ["foofoobar.com", true],
    ["baz.com", true],
    ["localhost.net", true],
    ["local.localhost", true],
    ["barbarbaz.net", true],
    ["wildcard.io", true],
    ["nested.wildcard.io", false],
    ["awildcard.io", true],
  ];

  test("hosts, domains, *.domains, IPs, IP:port, CIDRs, IPv6; loopback never proxied", () => {
    const got = proxied.map(([host]) => [
      host,
      chosen(rules(list), `http://${host}:80/`) !== undefined,
    ]);
    expect(got).toEqual(proxied);
  });

  test("* bypasses every host; a malformed entry is ignored", () => {
    for (const [host] of proxied) expect(chosen(rules("*"), `http://${host}:80/`)).toBeUndefined();
    expect(chosen(rules(":1"), "http://example.com/")).toBe("http://proxy/");
  });

  test("an IPv4 CIDR covers the IPv4-mapped IPv6 form of its addresses", () => {
    expect(chosen(rules("10.0.0.0/8"), "http://[::ffff:10.1.2.3]/")).toBeUndefined();
    expect(chosen(rules("10.0.0.0/8"), "http://[::ffff:11.1.2.3]/")).toBe("http://proxy/");
  });
});

describe("the environment", () => {
  test("upper case first, then lower case; an empty value is unset; REQUEST_METHOD is CGI", () => {
    expect(
      rulesFromEnvironment({
        HTTP_PROXY: "httpproxy",
        HTTPS_PROXY: "httpsproxy",
        NO_PROXY: "noproxy",
        http_proxy: "lower",
      }),
    ).toEqual({ httpProxy: "httpproxy", httpsProxy: "httpsproxy", noProxy: "noproxy", cgi: false });
    expect(
      rulesFromEnvironment({
        HTTP_PROXY: "",
        http_proxy: "httpproxy",
        https_proxy: "httpsproxy",
        no_proxy: "noproxy",
        REQUEST_METHOD: "PUT",
      }),
    ).toEqual({ httpProxy: "httpproxy", httpsProxy: "httpsproxy", noProxy: "noproxy", cgi: true });
  });
});

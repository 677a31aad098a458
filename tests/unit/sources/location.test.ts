import { describe, expect, it } from "vitest";
import { kindOfLocation, parseLocation, splitCredentials } from "@/lib/sources/location";
import { matchesWildcard } from "@/lib/sources/wildcard";

describe("parseLocation", () => {
  it("parses an FTP file link with default port", () => {
    expect(parseLocation("ftp", "ftp://Files.Example.com/drop/contacts.csv")).toMatchObject({
      host: "files.example.com",
      port: 21,
      path: "/drop/contacts.csv",
      dir: "/drop",
      base: "contacts.csv",
      isPattern: false,
    });
  });

  it("uses 990 for implicit FTPS and 22 for SFTP", () => {
    expect(parseLocation("ftps", "ftps://h/a.csv").port).toBe(990);
    expect(parseLocation("sftp", "sftp://h:2222/a.csv").port).toBe(2222);
  });

  it("recognises wildcards in the last segment only, with ? and # as file-name characters", () => {
    expect(parseLocation("sftp", "sftp://h/in/report-??.csv")).toMatchObject({
      dir: "/in",
      base: "report-??.csv",
      isPattern: true,
    });
    expect(parseLocation("ftp", "ftp://h/a/[ab]*.csv").isPattern).toBe(true);
    expect(parseLocation("ftp", "ftp://h/a/#1.csv").base).toBe("#1.csv");
    expect(() => parseLocation("ftp", "ftp://h/*/a.csv")).toThrow(/Only the last part/);
  });

  it("decodes %-escapes and refuses control characters (FTP command injection)", () => {
    expect(parseLocation("ftp", "ftp://h/My%20Files/a%20b.csv").path).toBe("/My Files/a b.csv");
    expect(() => parseLocation("ftp", "ftp://h/a.csv%0D%0ADELE%20x")).toThrow(/control characters/);
    expect(() => parseLocation("ftp", "ftp://h/%E0%A4%A.csv")).toThrow(/malformed/);
  });

  it("refuses backslashes with a clear message", () => {
    expect(() => parseLocation("ftp", "ftp://h/drop\\file.csv")).toThrow(/Only "\/" separates folders/);
  });

  it("refuses credentials in the link", () => {
    expect(() => parseLocation("ftp", "ftp://bob:secret@h/a.csv")).toThrow(/own fields/);
  });

  it("refuses a scheme that disagrees with the kind, and links without a file", () => {
    expect(() => parseLocation("ftps", "ftp://h/a.csv")).toThrow(/make them agree/);
    expect(() => parseLocation("ftp", "ftp://h/")).toThrow(/must name a file/);
    expect(() => parseLocation("ftp", "ftp://h:70000/a.csv")).toThrow(/not valid/);
  });

  it("keeps HTTP query strings and refuses wildcards for HTTP", () => {
    const loc = parseLocation("https", "https://Example.com/export?format=csv&x=1");
    expect(loc.url!.toString()).toBe("https://example.com/export?format=csv&x=1");
    expect(loc.base).toBe("export");
    expect(() => parseLocation("https", "https://example.com/files/*.csv")).toThrow(/wildcards work with FTP/);
  });

  it("normalises odd IP spellings of the host", () => {
    expect(parseLocation("sftp", "sftp://2130706433/a.csv").host).toBe("127.0.0.1");
    expect(parseLocation("ftpes", "ftpes://0x7f.1/a.csv").host).toBe("127.0.0.1");
    expect(parseLocation("http", "http://[::ffff:127.0.0.1]:8080/a.csv").host).toBe("::ffff:7f00:1");
  });
});

describe("splitCredentials / kindOfLocation", () => {
  it("moves userinfo out of the link", () => {
    expect(splitCredentials("ftp://bob:p%40ss@h/a.csv")).toEqual({
      location: "ftp://h/a.csv",
      login: "bob",
      password: "p@ss",
    });
    expect(splitCredentials("https://h/a.csv")).toEqual({ location: "https://h/a.csv" });
  });
  it("derives the kind from the scheme", () => {
    expect(kindOfLocation("FTPES://h/a.csv")).toBe("ftpes");
    expect(() => kindOfLocation("gopher://h/a")).toThrow(/must start with/);
  });
});

describe("matchesWildcard", () => {
  it.each([
    ["contacts.csv", "*.csv", true],
    ["contacts.CSV", "*.csv", false],
    [".csv", "*.csv", true],
    ["a.csv.bak", "*.csv", false],
    ["report-01.csv", "report-??.csv", true],
    ["report-1.csv", "report-??.csv", false],
    ["a1.csv", "[abc][0-9].csv", true],
    ["d1.csv", "[abc][0-9].csv", false],
    ["d1.csv", "[!abc]1.csv", true],
    ["a1.csv", "[^abc]1.csv", false],
    ["x(1).csv", "x(1).csv", true],
    ["data[1.csv", "data[1.csv", true],
    ["a+b.csv", "a+b.*", true],
  ])("%s vs %s → %s", (name, pattern, want) => {
    expect(matchesWildcard(name, pattern)).toBe(want);
  });
});

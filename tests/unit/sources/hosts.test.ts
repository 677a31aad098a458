import { beforeAll, describe, expect, it } from "vitest";
import { reloadEnv } from "@/lib/env";
import { assertAllowedPort, classifyAddress, normalizeHost, resolveAllowed } from "@/lib/sources/hosts";

beforeAll(() => {
  // The guard must refuse on its own; an operator setting in the caller's environment would hide that.
  process.env.ALLOW_PRIVATE_HOSTS = "false";
  process.env.ALLOWED_PORTS = "";
  reloadEnv();
});

describe("classifyAddress", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.1.2", "loopback"],
    ["10.1.2.3", "private network"],
    ["172.16.0.1", "private network"],
    ["172.31.255.255", "private network"],
    ["192.168.1.1", "private network"],
    ["169.254.169.254", "cloud metadata"],
    ["169.254.1.1", "link-local"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.255", "carrier-grade NAT"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved/broadcast"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fc00::1", "private network (unique local)"],
    ["fd12:3456::1", "private network (unique local)"],
    ["fd00:ec2::254", "cloud metadata"],
    ["fe80::1", "link-local"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.0.0.1", "private network"],
    ["::ffff:169.254.169.254", "cloud metadata"],
    ["::127.0.0.1", "loopback"],
    ["64:ff9b::a9fe:a9fe", "cloud metadata"],
    ["64:ff9b::127.0.0.1", "loopback"],
    ["2002:7f00:1::", "loopback"],
    ["2002:c0a8:101::1", "private network"],
  ])("%s is internal (%s)", (ip, reason) => {
    expect(classifyAddress(ip)).toBe(reason);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "172.32.0.1",
    "100.128.0.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
  ])("%s is public", (ip) => {
    expect(classifyAddress(ip)).toBeNull();
  });
});

describe("normalizeHost", () => {
  it.each([
    ["2130706433", "127.0.0.1"],
    ["0x7f.1", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["[::ffff:127.0.0.1]", "::ffff:7f00:1"],
    ["::1", "::1"],
    ["Example.COM.", "example.com"],
  ])("%s → %s", (raw, want) => {
    expect(normalizeHost(raw)).toBe(want);
  });
});

describe("resolveAllowed", () => {
  it.each([
    "127.0.0.1",
    "2130706433",
    "0x7f.1",
    "[::ffff:127.0.0.1]",
    "::1",
    "localhost",
    "169.254.169.254",
    "[fd00:ec2::254]",
  ])("refuses %s without the operator setting", async (host) => {
    await expect(resolveAllowed(host, false)).rejects.toMatchObject({ code: "blocked_host" });
  });

  it("names the internal address and how to allow it", async () => {
    await expect(resolveAllowed("localhost", false)).rejects.toThrow(
      /localhost resolves to .*(loopback).*ALLOW_PRIVATE_HOSTS/,
    );
  });

  it("returns the checked addresses when private hosts are allowed", async () => {
    await expect(resolveAllowed("0x7f.1", true)).resolves.toEqual([{ address: "127.0.0.1", family: 4 }]);
  });

  it("accepts a public literal without DNS", async () => {
    await expect(resolveAllowed("8.8.8.8", false)).resolves.toEqual([{ address: "8.8.8.8", family: 4 }]);
  });
});

describe("assertAllowedPort", () => {
  it("allows the usual port and 1024-65535", () => {
    expect(() => assertAllowedPort("https", 443)).not.toThrow();
    expect(() => assertAllowedPort("sftp", 22)).not.toThrow();
    expect(() => assertAllowedPort("ftp", 2121)).not.toThrow();
  });
  it("refuses privileged ports of other services", () => {
    expect(() => assertAllowedPort("http", 25)).toThrow(/Port 25 is not allowed/);
    expect(() => assertAllowedPort("http", 22)).toThrow(/Port 22/);
    expect(() => assertAllowedPort("ftp", 0)).toThrow(/not a valid port/);
  });
});

describe("cloud metadata", () => {
  it.each([
    "169.254.169.254",
    "[fd00:ec2::254]",
    "[::ffff:169.254.169.254]",
    "169.254.170.2",
    "100.100.100.200",
    "192.0.0.192",
  ])("%s stays refused even when private hosts are allowed", async (host) => {
    await expect(resolveAllowed(host, true)).rejects.toThrow(/cloud metadata address/);
  });
});

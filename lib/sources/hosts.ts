import dns from "node:dns/promises";
import net from "node:net";
import { env } from "@/lib/env";
import { SourceError } from "@/lib/sources/errors";

/**
 * SSRF guard for remote sources: no connection to loopback, private, link-local or metadata addresses unless
 * ALLOW_PRIVATE_HOSTS says so, and only to allowed ports. Every address a host name resolves to is checked; one internal
 * answer refuses the whole name (a name that mixes public and private answers is a rebinding trick).
 * Callers connect to the addresses returned here, never to a second lookup of the name.
 */

export type CheckedAddress = { address: string; family: 4 | 6 };

type V4Range = [base: number, bits: number, reason: string];
const ip4 = (s: string) => s.split(".").reduce((n, o) => n * 256 + Number(o), 0);
const V4_BLOCKED: V4Range[] = [
  // Cloud metadata and credential endpoints: first, as they lie inside ranges below that an operator may allow.
  [ip4("169.254.169.254"), 32, "cloud metadata"], // AWS, Azure, GCP, OpenStack, …
  [ip4("169.254.170.2"), 32, "cloud metadata"], // AWS ECS task credentials
  [ip4("100.100.100.200"), 32, "cloud metadata"], // Alibaba Cloud
  [ip4("192.0.0.192"), 32, "cloud metadata"], // Oracle Cloud (legacy)
  [ip4("0.0.0.0"), 8, "unspecified"],
  [ip4("10.0.0.0"), 8, "private network"],
  [ip4("100.64.0.0"), 10, "carrier-grade NAT"],
  [ip4("127.0.0.0"), 8, "loopback"],
  [ip4("169.254.0.0"), 16, "link-local"],
  [ip4("172.16.0.0"), 12, "private network"],
  [ip4("192.0.0.0"), 24, "IETF reserved"],
  [ip4("192.0.2.0"), 24, "documentation"],
  [ip4("192.88.99.0"), 24, "6to4 relay"],
  [ip4("192.168.0.0"), 16, "private network"],
  [ip4("198.18.0.0"), 15, "benchmarking"],
  [ip4("198.51.100.0"), 24, "documentation"],
  [ip4("203.0.113.0"), 24, "documentation"],
  [ip4("224.0.0.0"), 4, "multicast"],
  [ip4("240.0.0.0"), 4, "reserved/broadcast"],
];

function classifyV4(n: number): string | null {
  for (const [base, bits, reason] of V4_BLOCKED) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if ((n & mask) >>> 0 === (base & mask) >>> 0) return reason;
  }
  return null;
}

/** Eight 16-bit groups of a (valid) IPv6 address, dotted-quad tail included. */
function parseV6(addr: string): number[] {
  let s = addr.replace(/%.*$/, "");
  const dotted = s.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const n = ip4(dotted[1]);
    s = s.slice(0, -dotted[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = s.split("::");
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const fill = tail === undefined ? [] : new Array(8 - h.length - t.length).fill("0");
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16));
}

function classifyV6(g: number[]): string | null {
  const v4tail = ((g[6] << 16) >>> 0) + g[7];
  const zeroUpTo = (k: number) => g.slice(0, k).every((x) => x === 0);
  if (zeroUpTo(8)) return "unspecified";
  if (zeroUpTo(7) && g[7] === 1) return "loopback";
  // Addresses that embed an IPv4 address: judge the IPv4 address.
  if (zeroUpTo(5) && g[5] === 0xffff) return classifyV4(v4tail) ?? null; // IPv4-mapped
  if (zeroUpTo(6)) return classifyV4(v4tail) ?? "IPv4-compatible"; // deprecated IPv4-compatible
  if (zeroUpTo(4) && g[4] === 0xffff && g[5] === 0) return classifyV4(v4tail) ?? "IPv4-translated";
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return classifyV4(v4tail); // NAT64 64:ff9b::/96
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return "local NAT64"; // 64:ff9b:1::/48
  if (g[0] === 0x2002) return classifyV4(((g[1] << 16) >>> 0) + g[2]) ?? null; // 6to4 embeds the IPv4 address
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && g.slice(2, 7).every((x) => x === 0) && g[7] === 0x254)
    return "cloud metadata";
  if ((g[0] & 0xfe00) === 0xfc00) return "private network (unique local)";
  if ((g[0] & 0xffc0) === 0xfe80) return "link-local";
  if ((g[0] & 0xffc0) === 0xfec0) return "site-local";
  if ((g[0] & 0xff00) === 0xff00) return "multicast";
  if (g[0] === 0x2001 && g[1] === 0) return "Teredo tunnel";
  if (g[0] === 0x2001 && g[1] === 0x0db8) return "documentation";
  if (g[0] === 0x0100 && g.slice(1, 4).every((x) => x === 0)) return "discard";
  return null;
}

/** Why an address is internal ("loopback", "private network", ...), or null for a public address. */
export function classifyAddress(address: string): string | null {
  const a = address.replace(/^\[|\]$/g, "");
  const kind = net.isIP(a);
  if (kind === 4) return classifyV4(ip4(a));
  if (kind === 6) return classifyV6(parseV6(a));
  return "not an IP address";
}

/**
 * Canonical host of a URL authority: lower-case, punycode, IPv4 in dotted form whatever way it was written
 * (`2130706433`, `0x7f.1`, `0177.0.0.1`), IPv6 without brackets. Uses the WHATWG URL parser of the http scheme,
 * because ftp-like schemes (sftp, ftpes) are "opaque" to URL and would keep odd IPv4 spellings.
 */
export function normalizeHost(host: string): string {
  const bare = host.trim();
  if (!bare) throw new SourceError("bad_location", "The link has no host name.");
  let hostname: string;
  try {
    const wrapped = net.isIPv6(bare) ? `[${bare}]` : bare;
    hostname = new URL(`http://${wrapped}/`).hostname;
  } catch {
    throw new SourceError("bad_location", `"${host}" is not a valid host name.`);
  }
  return hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "");
}

function refuse(host: string, address: string, reason: string): SourceError {
  const shown = host === address ? `${address} is` : `${host} resolves to ${address},`;
  return new SourceError(
    "blocked_host",
    reason === "cloud metadata"
      ? `Refused: ${shown} a cloud metadata address. Remote sources may never reach it.`
      : `Refused: ${shown} an internal address (${reason}). Remote sources may only reach public servers; ` +
          `an operator can allow internal servers with ALLOW_PRIVATE_HOSTS=true.`,
    { host, address, reason },
  );
}

/**
 * Throws blocked_host unless the address is public or internal addresses are allowed. Cloud metadata endpoints
 * stay refused even then: no CSV source lives there, and they hand out the machine's credentials.
 */
export function assertAllowedAddress(host: string, address: string, allowPrivate: boolean): void {
  const reason = classifyAddress(address);
  if (!reason || (allowPrivate && reason !== "cloud metadata")) return;
  throw refuse(host, address, reason);
}

/**
 * Resolves a host (name or literal) and checks every answer. Returns the addresses to connect to.
 * `allowPrivate` comes from the sync/CLI flag or ALLOW_PRIVATE_HOSTS.
 */
export async function resolveAllowed(rawHost: string, allowPrivate: boolean): Promise<CheckedAddress[]> {
  const host = normalizeHost(rawHost);
  const literal = net.isIP(host);
  let answers: CheckedAddress[];
  if (literal) {
    answers = [{ address: host, family: literal as 4 | 6 }];
  } else {
    try {
      const found = await dns.lookup(host, { all: true, verbatim: true });
      answers = found.map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOTFOUND" || code === "ENODATA" || code === "EAI_NONAME")
        throw new SourceError("connect_failed", `The host name ${host} could not be found. Check its spelling.`);
      throw new SourceError(
        "connect_failed",
        `The host name ${host} could not be resolved right now (${code ?? "DNS error"}).`,
      );
    }
    if (answers.length === 0) throw new SourceError("connect_failed", `The host name ${host} has no address.`);
  }
  const allow = allowPrivate || env.ALLOW_PRIVATE_HOSTS;
  for (const a of answers) assertAllowedAddress(host, a.address, allow);
  return answers;
}

export const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ftp: 21, ftpes: 21, ftps: 990, sftp: 22 };

/**
 * Ports a remote source may use. Default: the protocol's usual port and the unprivileged range 1024-65535, so
 * a link cannot aim a protocol at an unrelated service (SMTP on 25, SSH on 22 over HTTP, ...). ALLOWED_PORTS
 * (comma-separated), when set, replaces the range: the usual port plus exactly those ports.
 */
export function assertAllowedPort(kind: string, port: number): void {
  const usual = DEFAULT_PORTS[kind];
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new SourceError("bad_location", `Port ${port} is not a valid port number (1-65535).`);
  if (port === usual) return;
  const listed = env.ALLOWED_PORTS.split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map(Number);
  const ok = listed.length > 0 ? listed.includes(port) : port >= 1024;
  if (!ok) {
    throw new SourceError(
      "blocked_host",
      `Port ${port} is not allowed for ${kind.toUpperCase()} sources` +
        (listed.length ? ` (allowed: ${usual}, ${listed.join(", ")}).` : ` (allowed: ${usual} and 1024-65535).`) +
        " An operator can allow more ports with ALLOWED_PORTS.",
    );
  }
}

type LookupCb = (
  err: NodeJS.ErrnoException | null,
  address: string | { address: string; family: number }[],
  family?: number,
) => void;

/**
 * A `lookup` for net/tls/undici connect options: resolves through the guard, so the address connected to is
 * always a checked one (also after redirects and on reconnects).
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean } | number | undefined, cb: LookupCb) => {
    resolveAllowed(hostname, allowPrivate).then(
      (addrs) => {
        if (typeof options === "object" && options?.all) cb(null, addrs);
        else cb(null, addrs[0].address, addrs[0].family);
      },
      (err) => cb(err, "", 4),
    );
  };
}

/**
 * Tries the checked addresses of a name in order (e.g. ::1 then 127.0.0.1 for localhost) until one accepts the
 * connection. Only "could not connect" moves on; a login or TLS failure is the answer.
 */
export async function tryAddresses<T>(
  addresses: CheckedAddress[],
  attempt: (address: string) => Promise<T>,
): Promise<T> {
  let last: unknown;
  for (const { address } of addresses) {
    try {
      return await attempt(address);
    } catch (e) {
      last = e;
      if (!(e instanceof SourceError) || e.code !== "connect_failed") throw e;
    }
  }
  throw last;
}

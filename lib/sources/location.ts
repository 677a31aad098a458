import net from "node:net";
import { SourceError } from "@/lib/sources/errors";
import { DEFAULT_PORTS, normalizeHost } from "@/lib/sources/hosts";
import { isRemoteKind, type RemoteKind, remoteKinds, type SourceKind } from "@/lib/vocabulary";

export type ParsedLocation = {
  kind: RemoteKind;
  /** Canonical host name or IP (no brackets). */
  host: string;
  /** Explicit or default port. */
  port: number;
  /** HTTP: the full URL to fetch (no credentials). */
  url?: URL;
  /** FTP/SFTP: decoded absolute path of the file, or of the folder when `pattern` is set. */
  path: string;
  /** Folder of the file / of the wildcard. */
  dir: string;
  /** Last segment: the file name, or the wildcard pattern. */
  base: string;
  /** True when the last segment is a wildcard (folder form). */
  isPattern: boolean;
};

const WILDCARD = /[*?[]/;
// Control characters in a path or login would let a link smuggle extra FTP commands (CR LF).
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The kind a link's scheme names (`ftpes://` → "ftpes"), for the CLI and the wizard. */
export function kindOfLocation(location: string): RemoteKind {
  const m = location.trim().match(/^([a-z][a-z0-9+.-]*):\/\//i);
  const scheme = m?.[1].toLowerCase();
  if (scheme && isRemoteKind(scheme)) return scheme;
  throw new SourceError(
    "bad_location",
    `The link must start with one of ${remoteKinds.map((k) => k + "://").join(", ")}.`,
  );
}

/**
 * Credentials in a link's userinfo (`ftp://user:pass@host/...`) are never stored in the location: pages and the
 * CLI call this to move them into the login/password fields (which are encrypted at rest), and the source layer
 * refuses a location that still carries them. Returns the location without userinfo.
 */
export function splitCredentials(location: string): { location: string; login?: string; password?: string } {
  const m = location.trim().match(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is);
  if (!m?.[2].includes("@")) return { location: location.trim() };
  const at = m[2].lastIndexOf("@");
  const userinfo = m[2].slice(0, at);
  const colon = userinfo.indexOf(":");
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return {
    location: m[1] + m[2].slice(at + 1) + m[3],
    login: dec(colon < 0 ? userinfo : userinfo.slice(0, colon)) || undefined,
    password: colon < 0 ? undefined : dec(userinfo.slice(colon + 1)),
  };
}

function decodePath(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new SourceError("bad_location", "The link's path has a malformed %-escape (write a literal % as %25).");
  }
  if (CONTROL.test(decoded)) throw new SourceError("bad_location", "The link's path contains control characters.");
  return decoded;
}

/** Parses and validates a remote location for its kind. Throws SourceError("bad_location") with a clear message. */
export function parseLocation(kind: SourceKind, location: string | undefined): ParsedLocation {
  if (!isRemoteKind(kind)) throw new SourceError("bad_location", `"${kind}" is not a remote source kind.`);
  const text = (location ?? "").trim();
  if (!text) throw new SourceError("bad_location", "Enter the link of the file, e.g. ftp://host/folder/file.csv.");
  if (text.includes("\\"))
    throw new SourceError(
      "bad_location",
      'The link contains "\\". Only "/" separates folders in a link, e.g. ftp://host/drop/file.csv.',
    );
  if (/\s/.test(text.replace(/ /g, "")))
    throw new SourceError("bad_location", "The link contains tabs or line breaks.");
  const m = text.match(/^([a-z][a-z0-9+.-]*):\/\/([^/]*)(.*)$/is);
  if (!m) throw new SourceError("bad_location", `The link must look like ${kind}://host/folder/file.csv.`);
  const scheme = m[1].toLowerCase();
  if (scheme !== kind)
    throw new SourceError(
      "bad_location",
      `The link starts with ${scheme}:// but the protocol chosen is ${kind.toUpperCase()}; make them agree.`,
    );
  const isHttp = kind === "http" || kind === "https";
  // For HTTP the authority ends at ? or #; for FTP/SFTP those are ordinary file-name characters.
  let authority = m[2];
  let rest = m[3];
  if (isHttp) {
    const cut = authority.search(/[?#]/);
    if (cut >= 0) {
      rest = authority.slice(cut) + rest;
      authority = authority.slice(0, cut);
    }
  }
  if (authority.includes("@"))
    throw new SourceError(
      "bad_location",
      "Put the login and password in their own fields, not in the link (user:password@host).",
    );
  const hp = authority.match(/^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/);
  if (!hp) throw new SourceError("bad_location", `"${authority}" is not a valid host[:port].`);
  const host = normalizeHost(hp[1].replace(/^\[|\]$/g, ""));
  const port = hp[2] ? Number(hp[2]) : DEFAULT_PORTS[kind];
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new SourceError("bad_location", `Port ${hp[2]} is not valid (1-65535).`);

  if (isHttp) {
    let url: URL;
    try {
      url = new URL(`${kind}://${net.isIPv6(host) ? `[${host}]` : host}:${port}${rest || "/"}`);
    } catch {
      throw new SourceError("bad_location", "The link is not a valid URL.");
    }
    url.hash = "";
    const segments = url.pathname.split("/");
    const last = segments[segments.length - 1];
    if (last.includes("*") || last.includes("%2A"))
      throw new SourceError(
        "bad_location",
        "HTTP(S) servers cannot list folders: wildcards work with FTP, FTPS and SFTP links only.",
      );
    const base = decodePath(last) || host;
    return {
      kind,
      host,
      port,
      url,
      path: decodePath(url.pathname),
      dir: decodePath(segments.slice(0, -1).join("/") || "/"),
      base,
      isPattern: false,
    };
  }

  const path = decodePath(rest);
  if (!path.startsWith("/") || path === "/" || path.endsWith("/"))
    throw new SourceError(
      "bad_location",
      `The link must name a file or a wildcard, e.g. ${kind}://${authority}/folder/*.csv.`,
    );
  const segments = path.split("/");
  const base = segments[segments.length - 1];
  if (segments.slice(0, -1).some((s) => WILDCARD.test(s)))
    throw new SourceError(
      "bad_location",
      "Only the last part of the link (the file name) may contain wildcards (*, ?, [...]).",
    );
  const dir = segments.slice(0, -1).join("/") || "/";
  return { kind, host, port, path, dir, base, isPattern: WILDCARD.test(base) };
}

/** Builds a link for display and for RemoteFile paths. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

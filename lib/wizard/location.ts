/**
 * The "File location" of a remote source: which protocol it uses, whether its last segment is a wildcard
 * (folder form), and the link without credentials. Pure code, shared by the browser and the server.
 */
import { isRemoteKind, type RemoteKind } from "@/lib/vocabulary";

export const protocolLabels: Record<RemoteKind, string> = {
  http: "HTTP",
  https: "HTTPS",
  ftp: "FTP",
  ftpes: "FTPES (explicit TLS)",
  ftps: "FTPS (implicit TLS)",
  sftp: "SFTP",
};

export type TypedLink = {
  kind: RemoteKind;
  /** The link with the protocol's scheme and without any user:password part. */
  location: string;
  hasWildcard: boolean;
  /** Credentials written into the link (user:password@host), moved to their own fields. */
  login?: string;
  password?: string;
};

export type LinkProblem = { message: string };

/** True when the link's last path segment is a glob (`*`, `?` or `[...]`). HTTP has no folder listing. */
export function hasWildcard(link: string): boolean {
  if (/^https?:/i.test(link)) return false;
  const path = link.replace(/^[a-z0-9+.-]+:\/\/[^/]*/i, "");
  const last = path.split("/").pop() ?? "";
  return /[*?[]/.test(decodeSafe(last));
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Read a link typed by staff. `protocol` is the select's value: "auto" takes the link's scheme; a chosen
 * protocol wins over the scheme (so `ftp://host/x` with FTPES selected becomes `ftpes://host/x`).
 */
export function readTypedLink(raw: string, protocol: RemoteKind | "auto"): TypedLink | LinkProblem {
  const text = raw.trim();
  if (!text) return { message: "Enter the file location, for example sftp://files.example.org/export/contacts.csv." };
  if (text.includes("\\")) return { message: "Use / to separate folders in the link: a \\ is not allowed." };
  if (/\s/.test(text)) return { message: "The link cannot contain spaces; write a space as %20." };
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  const scheme = schemeMatch?.[1].toLowerCase();
  let kind: RemoteKind;
  if (protocol !== "auto") kind = protocol;
  else if (isRemoteKind(scheme)) kind = scheme;
  else if (scheme)
    return { message: `"${scheme}://" links are not supported. Use http, https, ftp, ftpes, ftps or sftp.` };
  else return { message: "Start the link with its protocol (https://, ftp://, sftp://…) or choose the protocol." };
  const isHttp = kind === "http" || kind === "https";
  let rest = schemeMatch ? text.slice(schemeMatch[0].length) : text;
  // On FTP/SFTP a `?` is a wildcard character, not the start of a query.
  if (!isHttp) rest = rest.replace(/\?/g, "%3F");
  let url: URL;
  try {
    // Parse with a neutral special scheme so host/port/path rules are the same for every protocol.
    url = new URL(`http://${rest}`);
  } catch {
    return { message: "This link is not valid. Expected something like ftp://host/folder/file.csv." };
  }
  if (!url.hostname) return { message: "The link needs a server name." };
  if (url.pathname === "/" || url.pathname === "")
    return { message: "The link needs the path of a file (or folder/*.csv)." };
  const login = url.username ? decodeSafe(url.username) : undefined;
  const password = url.password ? decodeSafe(url.password) : undefined;
  const hostPort = url.port ? `${url.hostname}:${url.port}` : url.hostname;
  const path = isHttp ? url.pathname : url.pathname.replace(/%3F/g, "?");
  const location = `${kind}://${hostPort}${path}${isHttp ? url.search : ""}`;
  return { kind, location, hasWildcard: hasWildcard(location), login, password };
}

export function isLinkProblem(p: TypedLink | LinkProblem): p is LinkProblem {
  return "message" in p;
}

/** FTP kinds and SFTP need a login; HTTP(S) may use Basic auth optionally. */
export function needsLogin(kind: RemoteKind): boolean {
  return kind !== "http" && kind !== "https";
}

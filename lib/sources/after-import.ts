import { SourceError } from "@/lib/sources/errors";
import { joinPath } from "@/lib/sources/location";
import { fileExists as exists } from "@/lib/sources/readiness";
import type { RemoteSession } from "@/lib/sources/remote";
import type { AfterImport, RemoteFile } from "@/lib/sources/types";

/** "leave", "delete" or "move:FOLDER" (the CLI's and the stored form) → the action; throws on anything else. */
export function parseAfterImport(text: string | null | undefined): AfterImport {
  const t = (text ?? "").trim();
  if (t === "" || t === "leave") return { action: "leave" };
  if (t === "delete") return { action: "delete" };
  if (t.startsWith("move:")) {
    const raw = t.slice(5).trim();
    const folder = /^\/+$/.test(raw) ? "/" : raw.replace(/\/+$/, "");
    if (!folder) throw new SourceError("bad_location", 'Name the folder to move imported files into: "move:FOLDER".');
    if (folder.includes("\\"))
      throw new SourceError("bad_location", `The folder "${folder}" contains "\\"; only "/" separates folders.`);
    if (/[\r\n\0]/.test(folder)) throw new SourceError("bad_location", "The folder name contains a control character.");
    if (folder.split("/").some((seg) => seg === ".."))
      throw new SourceError("bad_location", `The folder "${folder}" may not contain "..".`);
    return { action: "move", folder };
  }
  throw new SourceError(
    "bad_location",
    `After import must be "leave", "move:FOLDER" or "delete" (got "${t.slice(0, 60)}").`,
  );
}

export function formatAfterImport(a: AfterImport): string {
  return a.action === "move" ? `move:${a.folder}` : a.action;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** "contacts.csv" → "contacts-20261203T061502Z.csv" (the time goes before the first extension). */
export function withTimeSuffix(name: string, at: Date, n = 1): string {
  const stamp =
    at
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$/, "Z") + (n > 1 ? `-${n}` : "");
  const dot = name.indexOf(".", 1);
  return dot < 0 ? `${name}-${stamp}` : `${name.slice(0, dot)}-${stamp}${name.slice(dot)}`;
}

/** Runs the action on one connected session; returns what was done, for the run's log. */
export async function afterImport(
  session: RemoteSession,
  file: RemoteFile,
  action: AfterImport,
  marker: string | null,
): Promise<string> {
  const markerPath = marker ? file.path + marker : null;
  const hasMarker = markerPath ? await exists(session, markerPath) : false;
  if (action.action === "leave") return "";
  if (action.action === "delete") {
    await session.remove(file.path);
    if (hasMarker && markerPath) await session.remove(markerPath);
    return `Deleted ${file.path}.`;
  }
  const target = action.folder.startsWith("/") ? action.folder : joinPath(dirOf(file.path), action.folder);
  await session.mkdirs(target);
  let name = file.name;
  const now = new Date();
  for (let n = 1; await exists(session, joinPath(target, name)); n++) {
    if (n > 50) throw new SourceError("protocol_error", `Too many files named like ${file.name} in ${target}.`);
    name = withTimeSuffix(file.name, now, n);
  }
  const to = joinPath(target, name);
  await session.rename(file.path, to);
  if (hasMarker && markerPath) await session.rename(markerPath, to + marker);
  return `Moved ${file.path} to ${to}.`;
}

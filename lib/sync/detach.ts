/**
 * A copy of `s` that shares no memory with the text it was cut from. V8 keeps the whole parent string alive
 * behind a substring: a parsed field (and a message built from it) holds on to its 64 KiB chunk of the file.
 * Strings the engine keeps after their batch is done (row errors, candidate and invalid keys) are detached,
 * or a file with scattered errors would pin a chunk per kept error. Exact for any string (lone surrogates too).
 */
export function detach(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

import { SourceError } from "@/lib/sources/errors";

/**
 * Shell-style matching of a file name against the last segment of a folder link:
 * `*` any run of characters, `?` one character, `[abc]` / `[a-z]` / `[!a-z]` (or `[^...]`) one character of a set.
 * An unclosed `[` is a literal. Matching is case-sensitive, as on the Unix servers FTP and SFTP usually run on.
 */
export function wildcardToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      let j = i + 1;
      if (pattern[j] === "!" || pattern[j] === "^") j++;
      if (pattern[j] === "]") j++; // a leading ] is a member
      while (j < pattern.length && pattern[j] !== "]") j++;
      if (j >= pattern.length) {
        re += "\\[";
        continue;
      }
      let body = pattern.slice(i + 1, j);
      const negate = body[0] === "!" || body[0] === "^";
      if (negate) body = body.slice(1);
      body = body.replace(/[\\\]^]/g, (x) => "\\" + x);
      re += negate ? `[^/${body}]` : `[${body}]`;
      i = j;
    } else re += c.replace(/[.+^${}()|\\/\]]/g, (x) => "\\" + x);
  }
  try {
    return new RegExp(`^${re}$`, "u");
  } catch {
    throw new SourceError("bad_location", `The wildcard "${pattern}" is not valid (check the [...] ranges).`);
  }
}

export function matchesWildcard(name: string, pattern: string): boolean {
  return wildcardToRegExp(pattern).test(name);
}

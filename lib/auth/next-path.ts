/** Only a path on this site (never "//host", "/\\host" or a full URL) may follow a sign-in. */
export function safeNextPath(next: string | undefined | null): string {
  return next && /^\/(?![/\\])[^\s]*$/.test(next) && !next.startsWith("/signin") ? next : "/managers";
}

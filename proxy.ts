import { NextResponse, type NextRequest } from "next/server";

/**
 * A signed-out visitor opening a page (a bookmark, a link in a failure email) is sent to sign-in with the page
 * in `?next=`, so signing in brings them back to it. The matcher runs this only for requests that carry no
 * session cookie: signed-in requests never pay for it. It is not the access check — every page and route
 * still checks the session itself (lib/auth/guard.ts).
 */
export function proxy(req: NextRequest) {
  // Only a browser opening a page (it asks for HTML): a program fetching a route under a page path, such as
  // a run's errors.csv, gets that route's own 401.
  const opensPage =
    (req.method === "GET" || req.method === "HEAD") && (req.headers.get("accept") ?? "").includes("text/html");
  if (!opensPage) return NextResponse.next();
  const { pathname, search } = req.nextUrl;
  const target = pathname === "/" ? "/signin" : `/signin?next=${encodeURIComponent(pathname + search)}`;
  return NextResponse.redirect(new URL(target, req.nextUrl), 303);
}

export const config = {
  matcher: [
    {
      // Pages only: not sign-in itself, the API (it answers 401), Next's assets or the favicon.
      source: "/((?!signin|api/|_next/|favicon.ico).*)",
      // Both spellings of next-auth's session cookie (lib/auth/session.ts: "__Secure-" over https).
      missing: [
        { type: "cookie", key: "next-auth.session-token" },
        { type: "cookie", key: "__Secure-next-auth.session-token" },
      ],
    },
  ],
};

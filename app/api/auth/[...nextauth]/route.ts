import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";

/**
 * next-auth's endpoints (/api/auth/csrf, /session, /callback/credentials, /signout) for programs that sign in
 * the next-auth way. Public by nature; sign-in goes through the same authorizeCredentials() as the page.
 */
async function handler(req: Request, ctx: { params: Promise<{ nextauth: string[] }> }): Promise<Response> {
  return NextAuth(authOptions())(req, ctx);
}

export { handler as GET, handler as POST };

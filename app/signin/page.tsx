import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getCurrentUser } from "@/lib/auth/guard";
import { safeNextPath } from "@/lib/auth/next-path";
import { Flash } from "@/app/_components/Flash";
import { SignInForm } from "@/app/signin/SignInForm";

export const metadata: Metadata = { title: "Sign in — Contact Sync" };

// Errors next-auth's own endpoints redirect here with (?error=...). Fixed texts: nothing is echoed.
const nextAuthErrors: Record<string, string> = {
  invalid: "Wrong email or password.",
  CredentialsSignin: "Wrong email or password.",
  locked: "Too many failed sign-in attempts. Sign-in is locked for a while; try again later.",
  disabled: "This account is disabled. Ask an administrator to enable it.",
};

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const next = typeof params.next === "string" ? params.next : undefined;
  if (await getCurrentUser()) redirect(safeNextPath(next));
  const error =
    typeof params.error === "string" ? (nextAuthErrors[params.error] ?? "Sign-in failed. Try again.") : undefined;
  return (
    <main className="narrow">
      <h1>Sign in</h1>
      <Flash notice={params.notice} />
      {error && (
        <div className="error-box" role="alert">
          <p>{error}</p>
        </div>
      )}
      <SignInForm next={next} />
    </main>
  );
}

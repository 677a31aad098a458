import type { Metadata } from "next";
import { requireUser } from "@/lib/auth/guard";
import { roleLabels } from "@/lib/auth/roles";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/users";
import { ActionForm } from "@/app/_components/ActionForm";
import { Flash } from "@/app/_components/Flash";
import { FormField } from "@/app/_components/FormField";
import { SubmitButton } from "@/app/_components/SubmitButton";
import { changePasswordAction } from "@/app/account/actions";

export const metadata: Metadata = { title: "Account — Contact Sync" };

export default async function AccountPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await requireUser("viewer");
  const params = await searchParams;
  return (
    <main className="narrow">
      <h1>Account</h1>
      <Flash notice={params.notice} />
      <dl className="facts">
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Name</dt>
        <dd>{user.name || "—"}</dd>
        <dt>Role</dt>
        <dd>{roleLabels[user.role]}</dd>
      </dl>
      <section aria-labelledby="pw-heading" className="card">
        <h2 id="pw-heading">Change your password</h2>
        <ActionForm action={changePasswordAction} ariaLabel="Change your password">
          <FormField
            name="currentPassword"
            label="Current password"
            type="password"
            autoComplete="current-password"
            required
          />
          <FormField
            name="newPassword"
            label="New password"
            type="password"
            autoComplete="new-password"
            required
            hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
          />
          <FormField
            name="confirmPassword"
            label="New password again"
            type="password"
            autoComplete="new-password"
            required
          />
          <div className="actions">
            <SubmitButton pendingLabel="Saving…">Change password</SubmitButton>
          </div>
        </ActionForm>
      </section>
    </main>
  );
}

"use client";

import { useActionState } from "react";
import { signIn } from "@/app/_actions/session";
import { FormStateProvider } from "@/app/_components/ActionForm";
import { FormField } from "@/app/_components/FormField";
import { SubmitButton } from "@/app/_components/SubmitButton";

/** Plain HTML form + server action: signs in with or without JavaScript. */
export function SignInForm({ next }: { next?: string }) {
  const [state, action] = useActionState(signIn, {});
  return (
    <FormStateProvider value={state}>
      <form action={action} className="card" aria-label="Sign in" noValidate>
        {state.message && (
          <div className="error-box" role="alert">
            <p>{state.message}</p>
          </div>
        )}
        {next && <input type="hidden" name="next" value={next} />}
        <FormField name="email" label="Email" type="email" autoComplete="username" required />
        <FormField name="password" label="Password" type="password" autoComplete="current-password" required />
        <div className="actions">
          <SubmitButton pendingLabel="Signing in…">Sign in</SubmitButton>
        </div>
      </form>
    </FormStateProvider>
  );
}

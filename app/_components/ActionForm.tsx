"use client";

import { createContext, useActionState, useContext } from "react";
import type { ActionState } from "@/lib/auth/guard";

type FormAction = (prev: ActionState, formData: FormData) => Promise<ActionState>;

const FormStateContext = createContext<ActionState>({});

/** For forms that call useActionState themselves (e.g. sign-in) but still want FormField's errors. */
export const FormStateProvider = FormStateContext.Provider;

/** The state of the enclosing <ActionForm>: field errors and echoed values for FormField. */
export function useFormResult(): ActionState {
  return useContext(FormStateContext);
}

/**
 * A form bound to a server action built with authorizedAction(). Works without JavaScript (the page is
 * re-rendered with the action's state). Errors and the message show inside the form; FormField children
 * pick up their own error and previous value.
 */
export function ActionForm({
  action,
  children,
  className,
  ariaLabel,
}: {
  action: FormAction;
  children: React.ReactNode;
  className?: string;
  ariaLabel?: string;
}) {
  const [state, formAction] = useActionState(action, {});
  return (
    <FormStateContext.Provider value={state}>
      <form action={formAction} className={className} aria-label={ariaLabel} noValidate>
        <FormMessage state={state} />
        {children}
      </form>
    </FormStateContext.Provider>
  );
}

function FormMessage({ state }: { state: ActionState }) {
  if (!state.message) return null;
  const errorCount = Object.values(state.errors ?? {}).filter((e) => e?.length).length;
  return (
    <div className={state.ok ? "notice" : "error-box"} role={state.ok ? "status" : "alert"}>
      <p>{state.message}</p>
      {state.reveal && (
        <p>
          <code className="reveal" data-testid="revealed-secret">
            {state.reveal}
          </code>
        </p>
      )}
      {errorCount > 0 && (
        <ul>
          {Object.entries(state.errors ?? {}).map(([name, errs]) =>
            errs?.length ? <li key={name}>{errs[0]}</li> : null,
          )}
        </ul>
      )}
    </div>
  );
}

"use client";

import { startTransition, useActionState, useEffect, useState, type FormEvent } from "react";
import { get, useForm, type FieldValues, type Resolver } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import type { z } from "zod";
import type { ActionState } from "@/lib/auth/guard";

export type WizardState = ActionState & {
  test?: {
    ok: boolean;
    message: string;
    fingerprint?: string;
    fingerprintKind?: "host_key" | "tls";
    files?: { name: string; size: number; mtime: string; ready?: boolean; settling?: boolean }[];
  };
  runTimes?: string[];
};
export type WizardAction = (prev: WizardState, formData: FormData) => Promise<WizardState>;

/**
 * A wizard step's form: react-hook-form validates in the browser with the step's zod schema (the same one
 * the server action parses), then the FormData goes to the server action. Without JavaScript the form
 * posts to the action directly and the page re-renders with its state (errors, echoed values).
 * `schemaFor(intent)` lets a button (name="intent") choose a looser schema, e.g. "Apply Mapping".
 */
export function useWizardForm<S extends z.ZodType<FieldValues, FieldValues>>(opts: {
  action: WizardAction;
  schemaFor: (intent: string) => S | null;
  defaults: z.input<S>;
  /** Names of checkbox fields: absent from echoed values means unticked. */
  checkboxes?: string[];
  /**
   * Keep what is typed (not yet saved) in sessionStorage under this key, so a reload keeps it. Include the
   * saved version in the key: a newer save elsewhere wins. Secrets are never stored.
   */
  persistKey?: string;
}) {
  const [state, formAction, pending] = useActionState<WizardState, FormData>(opts.action, {});
  const [intent, setIntent] = useState("");
  const [jsReady, setJsReady] = useState(false);
  useEffect(() => setJsReady(true), []);

  const resolver: Resolver<FieldValues> = async (values, ctx, options) => {
    const schema = opts.schemaFor(intentRef.current);
    if (!schema) return { values, errors: {} };
    return zodResolver(schema as never)(values, ctx, options as never) as never;
  };
  const intentRef = useIntentRef(intent);
  const form = useForm<FieldValues>({
    resolver,
    defaultValues: withEcho(opts.defaults as FieldValues, state.values, opts.checkboxes ?? []),
    mode: "onTouched",
    reValidateMode: "onChange",
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: restores and watches once per mounted form
  useEffect(() => {
    const key = opts.persistKey;
    if (!key || state.values) return;
    try {
      const raw = sessionStorage.getItem(key);
      if (raw) form.reset({ ...form.getValues(), ...(JSON.parse(raw) as FieldValues) }, { keepDefaultValues: true });
    } catch {
      // storage unavailable or corrupt: start from the saved values
    }
    const sub = form.watch((values) => {
      try {
        sessionStorage.setItem(key, JSON.stringify(withoutSecrets(values as FieldValues)));
      } catch {
        // storage full or disabled: nothing to keep
      }
    });
    return () => sub.unsubscribe();
  }, []);

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const el = e.currentTarget;
    const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const chosen = submitter?.name === "intent" ? submitter.value : "";
    intentRef.current = chosen;
    setIntent(chosen);
    const send = () => {
      const fd = new FormData(el, submitter ?? undefined);
      if (opts.persistKey) {
        try {
          sessionStorage.removeItem(opts.persistKey);
        } catch {
          // ignore
        }
      }
      startTransition(() => formAction(fd));
    };
    void form.handleSubmit(send, () => {
      // Move focus to the first invalid field so keyboard and screen-reader users land on the problem.
      const first = el.querySelector<HTMLElement>("[aria-invalid='true']");
      first?.focus();
    })();
  };

  /** The message for a field: the browser's check first, else the server's. */
  const errorOf = (name: string): string | undefined => {
    const local = (get(form.formState.errors, name) as { message?: string } | undefined)?.message;
    return local ?? state.errors?.[name]?.[0];
  };

  return { form, state, pending, onSubmit, errorOf, jsReady, intent, formAction };
}

const SECRET = /pass(word|phrase)?|privateKey|secret/i;

function withoutSecrets(values: FieldValues): FieldValues {
  return Object.fromEntries(
    Object.entries(values).filter(([k]) => !SECRET.test(k) && k !== "uploadId" && k !== "uploadName"),
  );
}

function useIntentRef(initial: string) {
  const [ref] = useState(() => ({ current: initial }));
  return ref;
}

/** After a no-JavaScript post that failed, the form shows what was sent (echoed by the action, minus secrets). */
function withEcho(
  defaults: FieldValues,
  echoed: Record<string, string> | undefined,
  checkboxes: string[],
): FieldValues {
  if (!echoed) return defaults;
  const out: FieldValues = { ...defaults };
  for (const key of Object.keys(defaults)) {
    if (checkboxes.includes(key)) out[key] = echoed[key] === "on" || echoed[key] === "true";
    else if (typeof defaults[key] === "string" && key in echoed) out[key] = echoed[key];
  }
  return out;
}

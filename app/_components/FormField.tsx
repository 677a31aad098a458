"use client";

import { useId } from "react";
import { useFormResult } from "@/app/_components/ActionForm";
import { describedBy, FieldShell } from "@/app/_components/FieldShell";

type Common = { name: string; label: string; hint?: string; required?: boolean; defaultValue?: string };

/** A labelled input with its hint and error, wired for screen readers (aria-describedby / aria-invalid). */
export function FormField({
  type = "text",
  autoComplete,
  maxLength,
  ...p
}: Common & {
  type?: "text" | "email" | "password" | "number" | "date" | "search";
  autoComplete?: string;
  maxLength?: number;
}) {
  const { id, error, describedBy, value } = useFieldState(p.name);
  return (
    <FieldShell id={id} label={p.label} hint={p.hint} error={error} required={p.required}>
      <input
        id={id}
        name={p.name}
        type={type}
        required={p.required}
        autoComplete={autoComplete}
        maxLength={maxLength}
        defaultValue={type === "password" ? undefined : (value ?? p.defaultValue)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(p.hint)}
      />
    </FieldShell>
  );
}

/** A labelled <select>. */
export function SelectField({ options, ...p }: Common & { options: { value: string; label: string }[] }) {
  const { id, error, describedBy, value } = useFieldState(p.name);
  return (
    <FieldShell id={id} label={p.label} hint={p.hint} error={error}>
      <select
        id={id}
        name={p.name}
        defaultValue={value ?? p.defaultValue}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(p.hint)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

function useFieldState(name: string) {
  const id = useId();
  const state = useFormResult();
  const error = state.errors?.[name]?.[0];
  const value = state.values?.[name];
  return { id, error, describedBy: (hint?: string) => describedBy(id, hint, error), value };
}

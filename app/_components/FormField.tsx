"use client";

import { useId } from "react";
import { useFormResult } from "./ActionForm";

type Common = { name: string; label: string; hint?: string; required?: boolean; defaultValue?: string };

/** A labelled input with its hint and error, wired for screen readers (aria-describedby / aria-invalid). */
export function FormField({
  type = "text",
  autoComplete,
  maxLength,
  ...p
}: Common & { type?: "text" | "email" | "password" | "number" | "date" | "search"; autoComplete?: string; maxLength?: number }) {
  const { id, error, describedBy, value } = useFieldState(p.name);
  return (
    <div className={`field${error ? " field-invalid" : ""}`}>
      <label htmlFor={id}>
        {p.label}
        {p.required && <span className="required" aria-hidden="true"> *</span>}
      </label>
      {p.hint && <p className="hint" id={`${id}-hint`}>{p.hint}</p>}
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
      {error && <p className="field-error" id={`${id}-error`}>{error}</p>}
    </div>
  );
}

/** A labelled <select>. */
export function SelectField({ options, ...p }: Common & { options: { value: string; label: string }[] }) {
  const { id, error, describedBy, value } = useFieldState(p.name);
  return (
    <div className={`field${error ? " field-invalid" : ""}`}>
      <label htmlFor={id}>{p.label}</label>
      {p.hint && <p className="hint" id={`${id}-hint`}>{p.hint}</p>}
      <select id={id} name={p.name} defaultValue={value ?? p.defaultValue} aria-invalid={error ? true : undefined} aria-describedby={describedBy(p.hint)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>{o.label}</option>
        ))}
      </select>
      {error && <p className="field-error" id={`${id}-error`}>{error}</p>}
    </div>
  );
}

function useFieldState(name: string) {
  const id = useId();
  const state = useFormResult();
  const error = state.errors?.[name]?.[0];
  const value = state.values?.[name];
  const describedBy = (hint?: string) => [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return { id, error, describedBy, value };
}

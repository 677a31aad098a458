"use client";

import { useId } from "react";
import type { FieldValues, UseFormReturn } from "react-hook-form";
import { describedBy, FieldError, FieldShell } from "@/app/_components/FieldShell";

/** Small form controls for the wizard: label, hint, error, and react-hook-form registration with server-rendered defaults. */

type Base = {
  form: UseFormReturn<FieldValues>;
  name: string;
  label: React.ReactNode;
  hint?: React.ReactNode;
  error?: string;
  className?: string;
};

export function TextInput({
  form,
  name,
  label,
  hint,
  error,
  className,
  type = "text",
  required,
  autoComplete,
  placeholder,
  defaultValue,
  inputMode,
  maxLength,
}: Base & {
  type?: "text" | "email" | "password" | "number" | "date" | "time" | "url";
  required?: boolean;
  autoComplete?: string;
  placeholder?: string;
  defaultValue?: string;
  inputMode?: "text" | "numeric" | "url" | "email";
  maxLength?: number;
}) {
  const id = useId();
  return (
    <FieldShell id={id} label={label} hint={hint} error={error} className={className} required={required}>
      <input
        id={id}
        type={type}
        {...form.register(name)}
        defaultValue={
          type === "password"
            ? undefined
            : (defaultValue ?? (form.formState.defaultValues?.[name] as string | undefined))
        }
        autoComplete={autoComplete}
        placeholder={placeholder}
        inputMode={inputMode}
        maxLength={maxLength}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        aria-required={required || undefined}
      />
    </FieldShell>
  );
}

export function TextArea({
  form,
  name,
  label,
  hint,
  error,
  className,
  rows = 6,
  placeholder,
}: Base & { rows?: number; placeholder?: string }) {
  const id = useId();
  return (
    <FieldShell id={id} label={label} hint={hint} error={error} className={className}>
      <textarea
        id={id}
        className="mono"
        rows={rows}
        {...form.register(name)}
        placeholder={placeholder}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
      />
    </FieldShell>
  );
}

export function Select({
  form,
  name,
  label,
  hint,
  error,
  className,
  options,
}: Base & { options: { value: string; label: string }[] }) {
  const id = useId();
  return (
    <FieldShell id={id} label={label} hint={hint} error={error} className={className}>
      <select
        id={id}
        {...form.register(name)}
        defaultValue={form.formState.defaultValues?.[name] as string | undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
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

export function Checkbox({
  form,
  name,
  label,
  hint,
  error,
  className,
  disabled,
  value,
}: Base & { disabled?: boolean; value?: string }) {
  const id = useId();
  const def = form.formState.defaultValues?.[name];
  const checked = value === undefined ? !!def : Array.isArray(def) ? def.includes(value) : def === value;
  return (
    <div className={`check${className ? ` ${className}` : ""}`}>
      <input
        id={id}
        type="checkbox"
        value={value}
        {...form.register(name)}
        defaultChecked={checked}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
      />
      <div>
        <label htmlFor={id} className="check-label">
          {label}
        </label>
        {hint && (
          <p className="hint" id={`${id}-hint`}>
            {hint}
          </p>
        )}
        <FieldError id={id} error={error} />
      </div>
    </div>
  );
}

export function Radio({
  form,
  name,
  value,
  label,
  hint,
}: {
  form: UseFormReturn<FieldValues>;
  name: string;
  value: string;
  label: React.ReactNode;
  hint?: React.ReactNode;
}) {
  const id = useId();
  return (
    <div className="check">
      <input
        id={id}
        type="radio"
        value={value}
        {...form.register(name)}
        defaultChecked={form.formState.defaultValues?.[name] === value}
      />
      <div>
        <label htmlFor={id} className="check-label">
          {label}
        </label>
        {hint && <p className="hint">{hint}</p>}
      </div>
    </div>
  );
}

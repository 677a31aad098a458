"use client";

import { useFormStatus } from "react-dom";

/** A submit button that says it is working while its form's action runs (with JavaScript). */
export function SubmitButton({
  children,
  variant = "primary",
  pendingLabel,
  name,
  value,
}: {
  children: React.ReactNode;
  variant?: "primary" | "secondary" | "danger";
  pendingLabel?: string;
  name?: string;
  value?: string;
}) {
  const { pending } = useFormStatus();
  return (
    <button
      type="submit"
      className={`btn btn-${variant}`}
      disabled={pending}
      aria-disabled={pending}
      name={name}
      value={value}
    >
      {pending ? (pendingLabel ?? "Working…") : children}
    </button>
  );
}

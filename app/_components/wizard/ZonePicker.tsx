"use client";

import { useEffect, useId, useMemo, useState } from "react";
import type { FieldValues, UseFormReturn } from "react-hook-form";
import { searchZones, type ZoneChoice } from "@/lib/schedule/zone-search";
import { FieldError } from "@/app/_components/FieldShell";

/**
 * The schedule's time zone: a search box (city, country or offset such as "+05:30") that narrows the list
 * below it and picks the best match. Without JavaScript the full list works on its own.
 */
export function ZonePicker({
  form,
  name,
  choices,
  error,
}: {
  form: UseFormReturn<FieldValues>;
  name: string;
  choices: ZoneChoice[];
  error?: string;
}) {
  const id = useId();
  const [query, setQuery] = useState("");
  const matches = useMemo(() => searchZones(choices, query), [choices, query]);
  const current = (form.watch(name) as string) ?? "";
  const shown = matches.length ? matches : choices.filter((c) => c.id === current);

  useEffect(() => {
    if (query && matches.length && !matches.some((c) => c.id === form.getValues(name)))
      form.setValue(name, matches[0].id, { shouldDirty: true });
  }, [query, matches, form, name]);

  return (
    <div className={`field zone-picker${error ? " field-invalid" : ""}`}>
      <label htmlFor={`${id}-find`}>Find a time zone</label>
      <input
        id={`${id}-find`}
        type="search"
        value={query}
        placeholder="City, country or offset, e.g. Kolkata, India, +05:30"
        autoComplete="off"
        aria-describedby={`${id}-count`}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") e.preventDefault(); // picks the zone, does not send the form
        }}
      />
      <p className="hint" id={`${id}-count`} aria-live="polite">
        {query
          ? matches.length
            ? `${matches.length === 1 ? "1 zone matches" : `${matches.length} zones match`} “${query}”.`
            : `No zone matches “${query}”.`
          : "Offsets as they are today."}
      </p>
      <label htmlFor={id}>Time zone</label>
      <select
        id={id}
        {...form.register(name)}
        defaultValue={form.formState.defaultValues?.[name] as string | undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      >
        {shown.map((c) => (
          <option key={c.id} value={c.id}>
            {c.label}
          </option>
        ))}
      </select>
      <FieldError id={id} error={error} />
    </div>
  );
}

"use client";

import { useId, useState } from "react";
import styles from "@/app/_components/imports/imports.module.css";

/**
 * The yellow (or red) exclamation of the Status column: a button whose tooltip lists the errors. The tooltip
 * shows on hover and on keyboard focus (CSS, so it also works before JavaScript has loaded), stays while the
 * pointer is over it, closes with Escape, and a tap toggles it on touch screens. The button is described by
 * the tooltip (aria-describedby), so screen readers read the errors too.
 */
export function StatusMark({
  kind,
  label,
  title,
  errors,
  more,
}: {
  kind: "warn" | "error";
  label: string;
  title: string;
  errors: string[];
  more: number;
}) {
  const id = useId();
  const [state, setState] = useState<"auto" | "open" | "closed">("auto");
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the wrapper only closes the tooltip when pointer or focus leaves; the button is the control
    <div
      className={styles.tipWrap}
      data-state={state}
      onMouseLeave={() => state === "closed" && setState("auto")}
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setState("auto");
      }}
    >
      <button
        type="button"
        className={`${styles.mark} ${kind === "error" ? styles.markError : styles.markWarn}`}
        aria-describedby={id}
        aria-expanded={state === "open" ? true : undefined}
        onClick={() => setState((s) => (s === "open" ? "closed" : "open"))}
        onKeyDown={(e) => {
          if (e.key === "Escape") setState("closed");
        }}
      >
        <span className={styles.markIcon} aria-hidden="true">
          !
        </span>
        <span>{label}</span>
      </button>
      <div role="tooltip" id={id} className={styles.tip}>
        <p className={styles.tipTitle}>{title}</p>
        {errors.length > 0 && (
          <ul>
            {errors.map((e, i) => (
              <li key={i}>{e}</li>
            ))}
          </ul>
        )}
        {more > 0 && <p className={styles.tipMore}>… and {more.toLocaleString("en-US")} more on the run page.</p>}
      </div>
    </div>
  );
}

"use client";

import { startTransition, useEffect, useRef, useState } from "react";
import { scheduleStepSchema, weekdayLabels, weekdays, type ScheduleStepInput } from "@/lib/wizard/schemas";
import { matchZone, type ZoneChoice } from "@/lib/schedule/zone-search";
import { Checkbox, Radio, Select, TextInput } from "@/app/_components/wizard/fields";
import { ZonePicker } from "@/app/_components/wizard/ZonePicker";
import { useWizardForm, type WizardAction } from "@/app/_components/wizard/useWizardForm";
import { IntentButton, WizardNav } from "@/app/_components/wizard/WizardNav";
import { StepMessage, WizardForm } from "@/app/_components/wizard/WizardForm";
import { SafetyFields } from "@/app/_components/wizard/SafetyFields";
import type { SafetyFormValues } from "@/lib/wizard/safety-form";

const units: Record<string, string> = {
  hourly: "hours",
  daily: "days",
  weekly: "weeks",
  monthly: "months",
  yearly: "years",
};
const months = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const nthLabels = [
  { value: "1", label: "first" },
  { value: "2", label: "second" },
  { value: "3", label: "third" },
  { value: "4", label: "fourth" },
  { value: "-1", label: "last" },
];
const dayKinds = [
  ...weekdays.map((d) => ({ value: d, label: weekdayLabels[d] })),
  { value: "weekday", label: "weekday (Mon–Fri)" },
  { value: "weekend_day", label: "weekend day" },
];

export function ScheduleForm({
  action,
  timesAction,
  managerId,
  syncId,
  editSince,
  defaults,
  hasStoredSchedule,
  initialRunTimes,
  initialMode,
  timeZones,
  deleteMissing,
  safety,
  backHref,
  version,
}: {
  action: WizardAction;
  timesAction: WizardAction;
  managerId: string;
  syncId: string;
  /** The edit of an active import this form shows (EditToken); undefined for a draft. */
  editSince?: string;
  defaults: ScheduleStepInput;
  hasStoredSchedule: boolean;
  initialRunTimes: string[] | null;
  initialMode: "now" | "schedule";
  timeZones: ZoneChoice[];
  deleteMissing: boolean;
  /** The import's guards (the "Safety" section, for runs now and scheduled ones). */
  safety: SafetyFormValues;
  backHref: string;
  /** The saved version (updatedAt), so unsaved values kept across a reload never override a newer save. */
  version: number;
}) {
  const wizard = useWizardForm({
    action,
    defaults,
    checkboxes: [],
    schemaFor: (i) => (i === "now" || i === "review" ? null : scheduleStepSchema),
    persistKey: `wizard:${managerId}:${syncId}:schedule:${version}`,
  });
  const { form, state, pending, errorOf, jsReady, intent } = wizard;
  const formRef = useRef<HTMLFormElement>(null);
  const [live, setLive] = useState<{ times: string[] | null; problem: string | null }>({ times: null, problem: null });
  const freq = (form.watch("freq") as string) ?? String(defaults.freq);

  // Without a stored schedule, start in the browser's own time zone.
  useEffect(() => {
    if (hasStoredSchedule || form.getValues("tz") !== defaults.tz) return; // saved, or kept from before a reload
    // Browsers may report an old name (Asia/Calcutta): matched to the current one the list shows.
    const tz = matchZone(timeZones, Intl.DateTimeFormat().resolvedOptions().timeZone);
    if (tz) form.setValue("tz", tz.id);
  }, [hasStoredSchedule, timeZones, form, defaults.tz]);

  // Live "next 5 run times": ask the server (the scheduler's own expansion) whenever the controls change.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let seq = 0;
    const refresh = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(async () => {
        const el = formRef.current;
        if (!el) return;
        const mine = ++seq;
        const fd = new FormData(el);
        startTransition(async () => {
          const res = await timesAction({}, fd);
          if (mine !== seq) return;
          if (res.runTimes) setLive({ times: res.runTimes, problem: null });
          else
            setLive({
              times: null,
              problem:
                res.message ?? Object.values(res.errors ?? {})[0]?.[0] ?? "Complete the schedule to see its run times.",
            });
        });
      }, 350);
    };
    const sub = form.watch(() => refresh());
    refresh();
    return () => {
      sub.unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [form, timesAction]);

  // While the controls do not make a valid schedule, earlier run times would mislead: show why instead.
  const runTimes = live.problem ? null : (live.times ?? state.runTimes ?? initialRunTimes);
  const unit = units[freq] ?? "periods";

  return (
    <WizardForm
      wizard={wizard}
      formRef={formRef}
      label="Run or schedule"
      managerId={managerId}
      syncId={syncId}
      editSince={editSince}
    >
      {!state.runTimes && <StepMessage state={state} />}

      <section className="card" aria-labelledby="when-heading">
        <h2 id="when-heading">When should the import run?</h2>
        <fieldset className="choice-fieldset">
          <legend className="visually-hidden">Run now or on a schedule</legend>
          <div className="choice-cards">
            <label className="choice-card">
              <input type="radio" name="mode" value="now" defaultChecked={initialMode === "now"} />
              <div>
                <strong>Run Import now</strong>
                <span>Import the file once, right away. You can run it again with “Go” in the list of imports.</span>
              </div>
            </label>
            <label className="choice-card">
              <input type="radio" name="mode" value="schedule" defaultChecked={initialMode === "schedule"} />
              <div>
                <strong>Schedule import</strong>
                <span>Fetch and import the file automatically, on a recurrence.</span>
              </div>
            </label>
          </div>
        </fieldset>
      </section>

      <div className="schedule-only">
        <section className="card" aria-labelledby="time-heading">
          <h2 id="time-heading">Import time</h2>
          <div className="inline-fields">
            <TextInput
              form={form}
              name="startDate"
              type="date"
              label="Start date"
              required
              error={errorOf("startDate")}
            />
            <TextInput
              form={form}
              name="startTime"
              type="time"
              label="Start time"
              required
              error={errorOf("startTime")}
            />
            <ZonePicker form={form} name="tz" choices={timeZones} error={errorOf("tz")} />
          </div>
        </section>

        <section className="card" aria-labelledby="pattern-heading">
          <h2 id="pattern-heading">Recurrence pattern</h2>
          <div className="inline-fields">
            <Select
              form={form}
              name="freq"
              label="Repeat"
              className="narrow"
              options={[
                { value: "hourly", label: "Hourly" },
                { value: "daily", label: "Daily" },
                { value: "weekly", label: "Weekly" },
                { value: "monthly", label: "Monthly" },
                { value: "yearly", label: "Yearly" },
              ]}
              error={errorOf("freq")}
            />
            <TextInput
              form={form}
              name="interval"
              type="number"
              inputMode="numeric"
              className="narrow daily-interval"
              label={jsReady ? `Every … ${unit}` : "Every … (hours, days, weeks, months or years)"}
              error={errorOf("interval")}
            />
          </div>
          <fieldset className="freq-daily">
            <legend>Daily</legend>
            <div className="radio-row">
              <Radio form={form} name="dailyMode" value="every" label="Every N days" />
              <Radio form={form} name="dailyMode" value="weekdays" label="Every weekday (Monday to Friday)" />
            </div>
          </fieldset>
          <fieldset className="freq-weekly">
            <legend>On these days</legend>
            <div className="weekday-grid">
              {weekdays.map((d) => (
                <Checkbox key={d} form={form} name="byDay" value={d} label={weekdayLabels[d]} />
              ))}
            </div>
            {errorOf("byDay") && (
              <p className="field-error" role="alert">
                {errorOf("byDay")}
              </p>
            )}
          </fieldset>
          <fieldset className="freq-monthyear">
            <legend>On</legend>
            <Select
              form={form}
              name="month"
              label="Month (yearly)"
              className="freq-yearly"
              options={months.map((m, i) => ({ value: String(i + 1), label: m }))}
              error={errorOf("month")}
            />
            <div className="radio-row">
              <Radio form={form} name="monthlyMode" value="day" label="Day of the month" />
              <Radio form={form} name="monthlyMode" value="weekday" label="A weekday of the month" />
            </div>
            <div className="inline-fields">
              <TextInput
                form={form}
                name="monthDay"
                type="number"
                inputMode="numeric"
                className="narrow monthly-day"
                label="Day (1–31)"
                error={errorOf("monthDay")}
              />
              <Select
                form={form}
                name="nth"
                label="The"
                className="narrow monthly-weekday"
                options={nthLabels}
                error={errorOf("nth")}
              />
              <Select
                form={form}
                name="nthWeekday"
                label="Day"
                className="monthly-weekday"
                options={dayKinds}
                error={errorOf("nthWeekday")}
              />
            </div>
            <p className="hint">Months without that day (e.g. the 31st) are skipped.</p>
          </fieldset>
        </section>

        <section className="card" aria-labelledby="range-heading">
          <h2 id="range-heading">Range of recurrence</h2>
          <Radio form={form} name="rangeKind" value="none" label="No end date" />
          <Radio form={form} name="rangeKind" value="count" label="End after a number of runs" />
          <TextInput
            form={form}
            name="count"
            type="number"
            inputMode="numeric"
            className="narrow range-count"
            label="Number of runs"
            error={errorOf("count")}
          />
          <Radio form={form} name="rangeKind" value="until" label="End by a date" />
          <TextInput
            form={form}
            name="untilDate"
            type="date"
            className="range-until"
            label="Last day"
            error={errorOf("untilDate")}
          />
          {errorOf("rangeKind") && (
            <p className="field-error" role="alert">
              {errorOf("rangeKind")}
            </p>
          )}
        </section>

        <section className="card" aria-labelledby="notify-heading">
          <h2 id="notify-heading">Notifications and safety</h2>
          <div className="inline-fields">
            <TextInput
              form={form}
              name="errorEmail"
              type="email"
              label="Notification email"
              hint="Gets a message when a scheduled import has errors or is blocked."
              error={errorOf("errorEmail")}
            />
            <TextInput
              form={form}
              name="safetyThresholdPct"
              type="number"
              inputMode="numeric"
              className="narrow"
              label="Safety threshold (%)"
              error={errorOf("safetyThresholdPct")}
            />
          </div>
          <p className="hint">
            {deleteMissing
              ? "This import deletes contacts not found in the file: a scheduled run that would change or delete more than this share of the contacts is not applied, and waits for approval in the list of imports."
              : "Applies when “Delete contacts not found” is on: a scheduled run changing more than this share of the contacts waits for approval."}
          </p>
        </section>

        <section className="card" aria-labelledby="times-heading" aria-live="polite">
          <h2 id="times-heading">Next 5 run times</h2>
          {runTimes && runTimes.length > 0 ? (
            <ol className="run-times">
              {runTimes.map((t) => (
                <li key={t}>{t}</li>
              ))}
            </ol>
          ) : runTimes ? (
            <p className="muted">This schedule has no run after now.</p>
          ) : (
            <p className="muted">
              {live.problem
                ? `Not a complete schedule yet — ${live.problem}`
                : "Complete the schedule to see its run times."}
            </p>
          )}
          {!jsReady && (
            <button type="submit" name="intent" value="preview" className="btn btn-secondary btn-small">
              Show the next run times
            </button>
          )}
        </section>
      </div>

      <SafetyFields defaults={safety} errorOf={errorOf} withThreshold={false} deleteMissing={deleteMissing} />

      <WizardNav backHref={backHref}>
        <IntentButton
          intent="now"
          label="Run without review"
          busyLabel="Starting…"
          className="btn btn-secondary mode-now"
          pending={pending}
          submitting={intent}
        />
        <IntentButton
          intent="review"
          label="Review import"
          busyLabel="Starting the review…"
          className="btn btn-primary mode-now"
          pending={pending}
          submitting={intent}
        />
        <IntentButton
          intent="review"
          label="Review import"
          busyLabel="Starting the review…"
          className="btn btn-secondary schedule-only"
          pending={pending}
          submitting={intent}
        />
        <IntentButton
          intent="finish"
          label="Finish"
          busyLabel="Saving…"
          className="btn btn-primary schedule-only"
          pending={pending}
          submitting={intent}
        />
      </WizardNav>
    </WizardForm>
  );
}

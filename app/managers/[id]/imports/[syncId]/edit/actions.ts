"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import type { Db } from "@/db/client";
import type { Field, Schedule, Sync } from "@/db/schema";
import { audit } from "@/lib/audit";
import { authorizedAction, echoValues, type ActionState } from "@/lib/auth/guard";
import { AppError, gone } from "@/lib/errors";
import { addField, getManager } from "@/lib/managers/queries";
import { isRemote } from "@/lib/vocabulary";
import { activateAudited } from "@/lib/wizard/activate";
import { parseSafetyForm } from "@/lib/wizard/safety-form";
import {
  type DefinitionPatch,
  discardPendingEdit,
  getWizardSync,
  reachStep,
  saveDefinition,
} from "@/lib/wizard/draft-store";
import { saveMappingStep } from "@/lib/wizard/mapping-step";
import { applyParseSuggestion } from "@/lib/wizard/preview-step";
import {
  addFieldSchema,
  type FieldErrors,
  fieldErrorsOf,
  mappingDraftSchema,
  mappingStepSchema,
  previewSuggestionSchema,
  scheduleStepSchema,
  sourceStepSchema,
} from "@/lib/wizard/schemas";
import { saveSourceStep, sourceSpecForTest } from "@/lib/wizard/source-step";
import { StepError } from "@/lib/wizard/step-error";
import { formDataToObject } from "@/lib/form-data";
import { buildPreview } from "@/lib/wizard/preview";
import { startRun } from "@/lib/wizard/run-now";
import { saveEditLive } from "@/lib/wizard/save-live";
import { startReview } from "@/lib/wizard/review";
import { assertSameEdit } from "@/lib/wizard/edit-token";
import { scheduleFromForm, scheduleRunTimes, nextRunFor } from "@/lib/wizard/schedule";
import { checkConnection, type TestResult } from "@/lib/wizard/test-connection";
import { importsPath, reviewPath, runPath, wizardPath } from "@/lib/paths";

/** Action state of the wizard's forms: the guard's ActionState, plus what "Test connection" and the schedule preview return. */
export type WizardState = ActionState & { test?: TestResult; runTimes?: string[] };

const ids = z.object({
  managerId: z.uuid("Unknown Contact Manager."),
  syncId: z.preprocess((v) => (v == null ? "" : v), z.union([z.literal(""), z.uuid()])),
});

const echo = echoValues;

function invalid(
  errors: FieldErrors,
  formData: FormData,
  message = "Please correct the fields marked below.",
): WizardState {
  return {
    code: "invalid",
    message,
    errors: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, [v]])),
    values: echo(formData),
  };
}

async function loadSync(managerId: string, syncId: string) {
  const db = getDb();
  const manager = await getManager(db, managerId);
  if (!manager) throw gone("manager");
  const sync = syncId ? await getWizardSync(db, managerId, syncId) : null;
  if (syncId && !sync) throw gone("import");
  return { db, manager, sync };
}

/**
 * "Save changes" of an active import's edit: live at once when the rest still fits (lib/wizard/save-live.ts),
 * else on to the mapping (columns changed) or back with the reason (file unreadable), the edit kept pending.
 */
async function finishSaveLive(
  db: ReturnType<typeof getDb>,
  saved: Sync,
  fields: Field[],
  user: { id: string; email: string },
  formData: FormData,
): Promise<WizardState> {
  const outcome = await saveEditLive(db, saved, fields);
  if (outcome.kind === "unreadable")
    return {
      code: outcome.code,
      message: `Saved, but not live yet: ${outcome.message} Change the settings, or discard the changes.`,
      values: echo(formData),
    };
  if (outcome.kind === "mapping_stale")
    redirect(wizardPath(saved.managerId, saved.id, "mapping", { notice: "columns_changed" }));
  await audit(db, {
    user,
    action: "sync.activate",
    targetType: "sync",
    targetId: saved.id,
    details: { name: outcome.sync.name, schedule: outcome.sync.schedule, saved: "one step" },
  });
  redirect(importsPath(saved.managerId, { notice: "import_saved" }));
}

/** Step 1: save the source (creating the draft) and go to the preview; or, with intent=test, try the connection. */
export const saveSourceAction = authorizedAction(
  "editor",
  ids,
  async ({ managerId, syncId }, user, formData): Promise<WizardState | void> => {
    const { db, sync } = await loadSync(managerId, syncId);
    assertSameEdit(sync, formData);
    const parsed = sourceStepSchema.safeParse(formDataToObject(formData));
    if (!parsed.success) return invalid(fieldErrorsOf(parsed.error), formData);
    const input = { managerId, syncId: sync?.id ?? null, userId: user.id, values: parsed.data };
    try {
      if (formData.get("intent") === "test") {
        if (parsed.data.sourceType !== "remote")
          return { message: "Uploaded files need no connection test.", values: echo(formData) };
        const test = await checkConnection(await sourceSpecForTest(db, input));
        return { ok: test.ok, message: test.message, test, values: echo(formData) };
      }
      if (!sync && parsed.data.sourceType === "remote") {
        // A new import is created only once its source can be reached: a failed try leaves no draft behind.
        const reached = await checkConnection(await sourceSpecForTest(db, input));
        if (!reached.ok)
          return invalid(
            { location: reached.message },
            formData,
            `No import was created: the file could not be reached. ${reached.message}`,
          );
        // That was the first successful connection: an SFTP host key is pinned now (pinned on first use).
        if (reached.fingerprintKind === "host_key" && !parsed.data.fingerprint)
          input.values = { ...parsed.data, fingerprint: reached.fingerprint ?? "" };
      }
      const saved = await saveSourceStep(db, input);
      await audit(db, {
        user,
        action: sync ? "sync.edit" : "sync.create",
        targetType: "sync",
        targetId: saved.id,
        details: { step: "source", name: saved.name, kind: saved.sourceKind, location: saved.location, managerId },
      });
      if (formData.get("intent") === "save" && saved.state !== "draft") {
        const manager = await getManager(db, managerId);
        return await finishSaveLive(db, saved, manager?.fields ?? [], user, formData);
      }
      redirect(wizardPath(managerId, saved.id, "preview"));
    } catch (e) {
      if (e instanceof StepError) return invalid(e.fieldErrors, formData);
      throw e;
    }
  },
);

/** Step 2: take the preview's delimiter/encoding suggestion. */
export const applySuggestionAction = authorizedAction("editor", ids, async ({ managerId, syncId }, user, formData) => {
  const { db, sync } = await loadSync(managerId, syncId);
  assertSameEdit(sync, formData);
  if (!sync) throw gone("import");
  const parsed = previewSuggestionSchema.safeParse(formDataToObject(formData));
  if (!parsed.success) return invalid(fieldErrorsOf(parsed.error), formData);
  await applyParseSuggestion(db, sync, parsed.data);
  await audit(db, {
    user,
    action: "sync.edit",
    targetType: "sync",
    targetId: sync.id,
    details: { step: "preview", delimiter: parsed.data.delimiter },
  });
  redirect(wizardPath(managerId, sync.id, "preview"));
});

/** Step 2 → 3. */
export const previewNextAction = authorizedAction("editor", ids, async ({ managerId, syncId }, _user, formData) => {
  const { db, sync } = await loadSync(managerId, syncId);
  assertSameEdit(sync, formData);
  if (!sync) throw gone("import");
  await reachStep(db, sync, "mapping");
  redirect(wizardPath(managerId, sync.id, "mapping"));
});

/**
 * Step 3. Intents: "apply" (save, stay), "remove" (unmap the column named by `remove`), "addField" (create a
 * field, map it from the chosen column), "next" (remote: on to the schedule), "run" (upload: run now).
 */
export const saveMappingAction = authorizedAction(
  "editor",
  ids,
  async ({ managerId, syncId }, user, formData): Promise<WizardState | void> => {
    const { db, manager, sync } = await loadSync(managerId, syncId);
    if (!sync) throw gone("import");
    assertSameEdit(sync, formData);
    const raw = formDataToObject(formData);
    const intent = String(formData.get("intent") ?? "apply");
    const removeColumn = intent.startsWith("remove:") ? intent.slice("remove:".length) : null;
    const finishing = intent === "run" || intent === "next" || intent === "save" || intent === "review";
    const parsed = (finishing ? mappingStepSchema : mappingDraftSchema).safeParse(raw);
    if (!parsed.success) return invalid(fieldErrorsOf(parsed.error), formData);
    // Uploads have no schedule step: their "Safety" section (guards and threshold) is on this page.
    const safety = isRemote(sync.sourceKind) ? null : parseSafetyForm(formData, true);
    if (safety && !safety.ok) return invalid(safety.errors, formData);
    const values = { ...parsed.data };
    if (removeColumn) {
      values.columns = values.columns.map((c) => (c.column === removeColumn ? { ...c, fieldId: "" } : c));
    }
    let fields = manager.fields;
    try {
      if (intent === "addField") {
        const nf = addFieldSchema.safeParse({
          label: formData.get("newFieldLabel"),
          type: formData.get("newFieldType") ?? "text",
        });
        if (!nf.success) {
          const errs = fieldErrorsOf(nf.error);
          return invalid({ newFieldLabel: errs.label ?? errs.type ?? "Check the new field." }, formData);
        }
        const column = String(formData.get("newFieldColumn") ?? "");
        const created = await addField(db, manager.id, nf.data).catch((e) => {
          if (e instanceof AppError) throw new StepError({ newFieldLabel: e.message });
          throw e;
        });
        await audit(db, {
          user,
          action: "field.create",
          targetType: "manager",
          targetId: manager.id,
          details: { label: created.label, type: created.type, from: "import mapping" },
        });
        fields = [...fields, created];
        if (column)
          values.columns = values.columns.map((c) =>
            c.column === column ? { ...c, fieldId: created.id } : c.fieldId === created.id ? { ...c, fieldId: "" } : c,
          );
      }
      const preview = await buildPreview(sync, fields, { rows: 1 });
      if (preview.fatal) return { code: preview.fatal.code, message: preview.fatal.message, values: echo(formData) };
      const saved = await saveMappingStep(db, sync, values, fields, preview.columns, safety ?? undefined);
      await audit(db, {
        user,
        action: "sync.edit",
        targetType: "sync",
        targetId: sync.id,
        details: {
          step: "mapping",
          keyColumn: saved.mapping?.keyColumn ?? null,
          autoKey: saved.mapping?.autoKey ?? false,
          mapped: saved.mapping?.columns.length ?? 0,
        },
      });
      if (intent === "save" && saved.state !== "draft") return await finishSaveLive(db, saved, fields, user, formData);
      if (intent === "review") {
        const runId = await startReview(saved, user.id, "wizard");
        redirect(reviewPath(managerId, sync.id, { run: runId, from: "wizard" }));
      }
      if (intent === "next" && isRemote(saved.sourceKind)) {
        await reachStep(db, saved, "schedule");
        redirect(wizardPath(managerId, sync.id, "schedule"));
      }
      if (finishing) {
        const active = await activateAudited(db, saved, { schedule: null, nextRunAt: null }, user);
        const runId = await startRun(active.id, user.id, active.sourceKind === "upload" ? "upload" : "wizard");
        redirect(runPath(managerId, sync.id, runId));
      }
      redirect(
        wizardPath(managerId, sync.id, "mapping", { notice: intent === "addField" ? "field_added" : undefined }),
      );
    } catch (e) {
      if (e instanceof StepError) return invalid(e.fieldErrors, formData);
      throw e;
    }
  },
);

/**
 * Step 4 (remote sources). Intents: "preview" (show the next runs, save nothing), "now" (activate without a
 * schedule and run now), "finish" (activate with the schedule).
 */
export const saveScheduleAction = authorizedAction(
  "editor",
  ids,
  async ({ managerId, syncId }, user, formData): Promise<WizardState | void> => {
    const { db, sync } = await loadSync(managerId, syncId);
    if (!sync) throw gone("import");
    assertSameEdit(sync, formData);
    const intent = String(formData.get("intent") ?? "finish");
    if (intent === "review") return reviewFromScheduleStep(db, sync, user.id, formData);
    // The "Safety" section; "Run Import now" saves the threshold from it too (the schedule fields are not read).
    const safety = parseSafetyForm(formData, intent === "now");
    if (safety && !safety.ok && intent !== "preview") return invalid(safety.errors, formData);
    const guards = safety?.ok ? safety.guards : undefined;
    if (intent === "now") {
      const thresholdPct = safety?.ok ? safety.thresholdPct : undefined;
      const active = await activateAudited(
        db,
        sync,
        { schedule: null, nextRunAt: null, guards, safetyThresholdPct: thresholdPct },
        user,
      );
      const runId = await startRun(active.id, user.id, "wizard");
      redirect(runPath(managerId, sync.id, runId));
    }
    if (intent === "preview") {
      const parsed = scheduleStepSchema.safeParse(formDataToObject(formData));
      if (!parsed.success) return invalid(fieldErrorsOf(parsed.error), formData);
      return { ok: true, runTimes: scheduleRunTimes(scheduleFromForm(parsed.data), 5), values: echo(formData) };
    }
    const planned = plannedSchedule(sync, formData);
    if (!planned.ok) return planned.state;
    const { schedule, nextRunAt, errorEmail, safetyThresholdPct } = planned;
    await activateAudited(db, sync, { schedule, nextRunAt, errorEmail, safetyThresholdPct, guards }, user);
    redirect(importsPath(managerId, { notice: "import_scheduled" }));
  },
);

/** The schedule step's fields, checked as "Finish" checks them: the schedule with its next run, error email, threshold. */
function plannedSchedule(
  sync: Sync,
  formData: FormData,
):
  | { ok: true; schedule: Schedule; nextRunAt: Date; errorEmail: string; safetyThresholdPct: number }
  | { ok: false; state: WizardState } {
  const parsed = scheduleStepSchema.safeParse(formDataToObject(formData));
  if (!parsed.success) return { ok: false, state: invalid(fieldErrorsOf(parsed.error), formData) };
  if (!isRemote(sync.sourceKind))
    throw new AppError("schedule_not_allowed", "Only imports from a server can be scheduled.");
  const schedule = scheduleFromForm(parsed.data);
  const nextRunAt = nextRunFor(schedule, new Date());
  if (!nextRunAt)
    return {
      ok: false,
      state: invalid(
        { rangeKind: "This schedule has no run after now. Change the start date or the range." },
        formData,
      ),
    };
  const { errorEmail, safetyThresholdPct } = parsed.data;
  return { ok: true, schedule, nextRunAt, errorEmail, safetyThresholdPct };
}

/**
 * "Review import" on the schedule step: what the page says is saved first (the Safety section; in schedule
 * mode the schedule, error email and threshold too, checked as "Finish" checks them), so the review runs with
 * it and its "Run Import" or "Schedule import" applies exactly that. Nothing goes live before that button.
 */
async function reviewFromScheduleStep(db: Db, sync: Sync, userId: string, formData: FormData): Promise<WizardState> {
  const scheduled = formData.get("mode") === "schedule";
  const safety = parseSafetyForm(formData, !scheduled);
  if (safety && !safety.ok) return invalid(safety.errors, formData);
  const patch: DefinitionPatch = {};
  if (safety?.ok) {
    patch.guards = safety.guards;
    if (safety.thresholdPct !== undefined) patch.safetyThresholdPct = safety.thresholdPct;
  }
  if (scheduled) {
    const planned = plannedSchedule(sync, formData);
    if (!planned.ok) return planned.state;
    patch.schedule = planned.schedule;
    patch.errorEmail = planned.errorEmail || null;
    patch.safetyThresholdPct = planned.safetyThresholdPct;
  }
  const reviewed = Object.keys(patch).length ? await saveDefinition(db, sync, patch) : sync;
  const runId = await startReview(reviewed, userId, "wizard");
  redirect(
    reviewPath(sync.managerId, sync.id, { run: runId, from: "wizard", finish: scheduled ? "schedule" : undefined }),
  );
}

/** "Discard changes": an active import's unfinished edit is dropped; the live import is as it was. */
export const discardEditAction = authorizedAction("editor", ids, async ({ managerId, syncId }, user) => {
  const { db, sync } = await loadSync(managerId, syncId);
  if (!sync) throw gone("import");
  if (await discardPendingEdit(db, sync)) {
    await audit(db, {
      user,
      action: "sync.edit_discard",
      targetType: "sync",
      targetId: sync.id,
      details: { name: sync.name },
    });
  }
  redirect(importsPath(managerId, { notice: "import_edit_discarded" }));
});

/** Live preview of the next run times while the schedule form changes (JavaScript only; the form has a no-JS button). */
export const scheduleTimesAction = authorizedAction(
  "editor",
  ids,
  async (_ids, _user, formData): Promise<WizardState> => {
    const parsed = scheduleStepSchema.safeParse(formDataToObject(formData));
    if (!parsed.success)
      return {
        code: "invalid",
        errors: Object.fromEntries(Object.entries(fieldErrorsOf(parsed.error)).map(([k, v]) => [k, [v]])),
      };
    return { ok: true, runTimes: scheduleRunTimes(scheduleFromForm(parsed.data), 5) };
  },
);

"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { audit } from "@/lib/audit";
import { authorizedAction, echoValues, type ActionState } from "@/lib/auth/guard";
import { AppError } from "@/lib/errors";
import { addField, getManager } from "@/lib/managers/queries";
import {
  activateSync,
  addFieldSchema,
  applyParseSuggestion,
  discardPendingEdit,
  fieldErrorsOf,
  getWizardSync,
  isRemote,
  mappingDraftSchema,
  mappingStepSchema,
  previewSuggestionSchema,
  reachStep,
  saveMappingStep,
  saveSourceStep,
  scheduleStepSchema,
  sourceSpecForTest,
  sourceStepSchema,
  StepError,
  type FieldErrors,
} from "@/lib/sync/draft";
import { formDataToObject } from "@/lib/wizard/form-data";
import { buildPreview } from "@/lib/wizard/preview";
import { startRun } from "@/lib/wizard/run-now";
import { assertSameEdit } from "@/lib/wizard/edit-token";
import { scheduleFromForm, scheduleRunTimes, nextRunFor } from "@/lib/wizard/schedule";
import { checkConnection, type TestResult } from "@/lib/wizard/test-connection";
import { wizardPath } from "@/lib/wizard/paths";

/** Action state of the wizard's forms: the guard's ActionState, plus what "Test connection" and the schedule preview return. */
export type WizardState = ActionState & { test?: TestResult; runTimes?: string[] };

const ids = z.object({
  managerId: z.string().uuid("Unknown Contact Manager."),
  syncId: z.preprocess((v) => (v == null ? "" : v), z.union([z.literal(""), z.string().uuid()])),
});

const echo = echoValues;

function invalid(errors: FieldErrors, formData: FormData, message = "Please correct the fields marked below."): WizardState {
  return { code: "invalid", message, errors: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, [v]])), values: echo(formData) };
}

async function loadSync(managerId: string, syncId: string) {
  const db = getDb();
  const manager = await getManager(db, managerId);
  if (!manager) throw new AppError("not_found", "This Contact Manager no longer exists.", 404);
  const sync = syncId ? await getWizardSync(db, managerId, syncId) : null;
  if (syncId && !sync) throw new AppError("not_found", "This import no longer exists.", 404);
  return { db, manager, sync };
}

/** Step 1: save the source (creating the draft) and go to the preview; or, with intent=test, try the connection. */
export const saveSourceAction = authorizedAction("editor", ids, async ({ managerId, syncId }, user, formData): Promise<WizardState | void> => {
  const { db, sync } = await loadSync(managerId, syncId);
  assertSameEdit(sync, formData);
  const parsed = sourceStepSchema.safeParse(formDataToObject(formData));
  if (!parsed.success) return invalid(fieldErrorsOf(parsed.error), formData);
  const input = { managerId, syncId: sync?.id ?? null, userId: user.id, values: parsed.data };
  try {
    if (formData.get("intent") === "test") {
      if (parsed.data.sourceType !== "remote") return { message: "Uploaded files need no connection test.", values: echo(formData) };
      const test = await checkConnection(await sourceSpecForTest(db, input));
      return { ok: test.ok, message: test.message, test, values: echo(formData) };
    }
    const saved = await saveSourceStep(db, input);
    await audit(db, {
      user,
      action: sync ? "sync.edit" : "sync.create",
      targetType: "sync",
      targetId: saved.id,
      details: { step: "source", name: saved.name, kind: saved.sourceKind, location: saved.location, managerId },
    });
    redirect(wizardPath(managerId, saved.id, "preview"));
  } catch (e) {
    if (e instanceof StepError) return invalid(e.fieldErrors, formData);
    throw e;
  }
});

/** Step 2: take the preview's delimiter/encoding suggestion. */
export const applySuggestionAction = authorizedAction("editor", ids, async ({ managerId, syncId }, user, formData) => {
  const { db, sync } = await loadSync(managerId, syncId);
  assertSameEdit(sync, formData);
  if (!sync) throw new AppError("not_found", "This import no longer exists.", 404);
  const parsed = previewSuggestionSchema.safeParse(formDataToObject(formData));
  if (!parsed.success) return invalid(fieldErrorsOf(parsed.error), formData);
  await applyParseSuggestion(db, sync, parsed.data);
  await audit(db, { user, action: "sync.edit", targetType: "sync", targetId: sync.id, details: { step: "preview", delimiter: parsed.data.delimiter } });
  redirect(wizardPath(managerId, sync.id, "preview"));
});

/** Step 2 → 3. */
export const previewNextAction = authorizedAction("editor", ids, async ({ managerId, syncId }, _user, formData) => {
  const { db, sync } = await loadSync(managerId, syncId);
  assertSameEdit(sync, formData);
  if (!sync) throw new AppError("not_found", "This import no longer exists.", 404);
  await reachStep(db, sync, "mapping");
  redirect(wizardPath(managerId, sync.id, "mapping"));
});

/**
 * Step 3. Intents: "apply" (save, stay), "remove" (unmap the column named by `remove`), "addField" (create a
 * field, map it from the chosen column), "next" (remote: on to the schedule), "run" (upload: run now).
 */
export const saveMappingAction = authorizedAction("editor", ids, async ({ managerId, syncId }, user, formData): Promise<WizardState | void> => {
  const { db, manager, sync } = await loadSync(managerId, syncId);
  if (!sync) throw new AppError("not_found", "This import no longer exists.", 404);
  assertSameEdit(sync, formData);
  const raw = formDataToObject(formData);
  const intent = String(formData.get("intent") ?? "apply");
  const removeColumn = intent.startsWith("remove:") ? intent.slice("remove:".length) : null;
  const finishing = intent === "run" || intent === "next";
  const parsed = (finishing ? mappingStepSchema : mappingDraftSchema).safeParse(raw);
  if (!parsed.success) return invalid(fieldErrorsOf(parsed.error), formData);
  const values = { ...parsed.data };
  if (removeColumn) {
    values.columns = values.columns.map((c) => (c.column === removeColumn ? { ...c, fieldId: "" } : c));
  }
  let fields = manager.fields;
  try {
    if (intent === "addField") {
      const nf = addFieldSchema.safeParse({ label: formData.get("newFieldLabel"), type: formData.get("newFieldType") ?? "text" });
      if (!nf.success) {
        const errs = fieldErrorsOf(nf.error);
        return invalid({ newFieldLabel: errs.label ?? errs.type ?? "Check the new field." }, formData);
      }
      const column = String(formData.get("newFieldColumn") ?? "");
      const created = await addField(db, manager.id, nf.data).catch((e) => {
        if (e instanceof AppError) throw new StepError({ newFieldLabel: e.message });
        throw e;
      });
      await audit(db, { user, action: "field.create", targetType: "manager", targetId: manager.id, details: { label: created.label, type: created.type, from: "import mapping" } });
      fields = [...fields, created];
      if (column) values.columns = values.columns.map((c) => (c.column === column ? { ...c, fieldId: created.id } : c.fieldId === created.id ? { ...c, fieldId: "" } : c));
    }
    const preview = await buildPreview(db, sync, fields, { rows: 1 });
    if (preview.fatal) return { code: preview.fatal.code, message: preview.fatal.message, values: echo(formData) };
    const saved = await saveMappingStep(db, sync, values, fields, preview.columns);
    await audit(db, {
      user,
      action: "sync.edit",
      targetType: "sync",
      targetId: sync.id,
      details: { step: "mapping", keyColumn: saved.mapping?.keyColumn ?? null, autoKey: saved.mapping?.autoKey ?? false, mapped: saved.mapping?.columns.length ?? 0 },
    });
    if (intent === "next" && isRemote(saved)) {
      await reachStep(db, saved, "schedule");
      redirect(wizardPath(managerId, sync.id, "schedule"));
    }
    if (finishing) {
      const active = await activateSync(db, saved, { schedule: null, nextRunAt: null });
      await audit(db, { user, action: "sync.activate", targetType: "sync", targetId: sync.id, details: { name: active.name, schedule: null } });
      const runId = await startRun(active.id, user.id, active.sourceKind === "upload" ? "upload" : "manual");
      redirect(`/managers/${managerId}/imports/${sync.id}/runs/${runId}`);
    }
    redirect(`${wizardPath(managerId, sync.id, "mapping")}${intent === "addField" ? "?notice=field_added" : ""}`);
  } catch (e) {
    if (e instanceof StepError) return invalid(e.fieldErrors, formData);
    throw e;
  }
});

/**
 * Step 4 (remote sources). Intents: "preview" (show the next runs, save nothing), "now" (activate without a
 * schedule and run now), "finish" (activate with the schedule).
 */
export const saveScheduleAction = authorizedAction("editor", ids, async ({ managerId, syncId }, user, formData): Promise<WizardState | void> => {
  const { db, sync } = await loadSync(managerId, syncId);
  if (!sync) throw new AppError("not_found", "This import no longer exists.", 404);
  assertSameEdit(sync, formData);
  const intent = String(formData.get("intent") ?? "finish");
  if (intent === "now") {
    const active = await activateSync(db, sync, { schedule: null, nextRunAt: null });
    await audit(db, { user, action: "sync.activate", targetType: "sync", targetId: sync.id, details: { name: active.name, schedule: null } });
    const runId = await startRun(active.id, user.id, "manual");
    redirect(`/managers/${managerId}/imports/${sync.id}/runs/${runId}`);
  }
  const parsed = scheduleStepSchema.safeParse(formDataToObject(formData));
  if (!parsed.success) return invalid(fieldErrorsOf(parsed.error), formData);
  const schedule = scheduleFromForm(parsed.data);
  const runTimes = scheduleRunTimes(schedule, 5);
  if (intent === "preview") return { ok: true, runTimes, values: echo(formData) };
  if (!isRemote(sync)) throw new AppError("schedule_not_allowed", "Only imports from a server can be scheduled.", 400);
  const nextRunAt = nextRunFor(schedule, new Date());
  if (!nextRunAt) return invalid({ rangeKind: "This schedule has no run after now. Change the start date or the range." }, formData);
  const active = await activateSync(db, sync, {
    schedule,
    nextRunAt,
    errorEmail: parsed.data.errorEmail,
    safetyThresholdPct: parsed.data.safetyThresholdPct,
  });
  await audit(db, { user, action: "sync.activate", targetType: "sync", targetId: sync.id, details: { name: active.name, schedule } });
  redirect(`/managers/${managerId}/imports?notice=import_scheduled`);
});

/** "Discard changes": an active import's unfinished edit is dropped; the live import is as it was. */
export const discardEditAction = authorizedAction("editor", ids, async ({ managerId, syncId }, user) => {
  const { db, sync } = await loadSync(managerId, syncId);
  if (!sync) throw new AppError("not_found", "This import no longer exists.", 404);
  if (await discardPendingEdit(db, sync)) {
    await audit(db, { user, action: "sync.edit_discard", targetType: "sync", targetId: sync.id, details: { name: sync.name } });
  }
  redirect(`/managers/${managerId}/imports?notice=import_edit_discarded`);
});

/** Live preview of the next run times while the schedule form changes (JavaScript only; the form has a no-JS button). */
export const scheduleTimesAction = authorizedAction("editor", ids, async (_ids, _user, formData): Promise<WizardState> => {
  const parsed = scheduleStepSchema.safeParse(formDataToObject(formData));
  if (!parsed.success) return { code: "invalid", errors: Object.fromEntries(Object.entries(fieldErrorsOf(parsed.error)).map(([k, v]) => [k, [v]])) };
  return { ok: true, runTimes: scheduleRunTimes(scheduleFromForm(parsed.data), 5) };
});

import type { WizardStep } from "@/lib/vocabulary";

/**
 * Every URL of the app, built in one place (pages, redirects, links, the browser's fetches). Client-safe.
 * A page moved or renamed is changed here only.
 */

type Query = Record<string, string | number | undefined | null>;

/** `path?a=1&b=2`, leaving out empty values; no `?` when nothing is left. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export const signinPath = (query?: Query) => withQuery("/signin", query);
export const managersPath = (query?: Query) => withQuery("/managers", query);
export const managerPath = (managerId: string, query?: Query) => withQuery(`/managers/${managerId}`, query);
export const managerSettingsPath = (managerId: string, query?: Query) =>
  withQuery(`/managers/${managerId}/settings`, query);
export const managerDeletePath = (managerId: string) => `/managers/${managerId}/delete`;

/** A manager's imports list. */
export const importsPath = (managerId: string, query?: Query) => withQuery(`/managers/${managerId}/imports`, query);
/** "Setup New Import": the wizard's first step for a new import. */
export const newImportPath = (managerId: string) => `/managers/${managerId}/imports/new`;
/** An import's editor: it opens at the step a draft reached, or at the source of an active import. */
export const importEditPath = (managerId: string, syncId: string) => `/managers/${managerId}/imports/${syncId}/edit`;

/** A wizard step of an import (a new import has only its first step). */
export function wizardPath(managerId: string, syncId: string | null, step: WizardStep, query?: Query): string {
  if (!syncId) return newImportPath(managerId);
  return withQuery(`/managers/${managerId}/imports/${syncId}/edit/${step}`, query);
}

/** The review before writing (a dry run): `run`, `from` ("wizard" or "go"), `finish` ("schedule" after a scheduled setup). */
export const reviewPath = (managerId: string, syncId: string, query?: Query) =>
  withQuery(`/managers/${managerId}/imports/${syncId}/review`, query);

export const runsPath = (managerId: string, syncId: string) => `/managers/${managerId}/imports/${syncId}/runs`;
export const runPath = (managerId: string, syncId: string, runId: string, query?: Query) =>
  withQuery(`${runsPath(managerId, syncId)}/${runId}`, query);
/** A run's downloads: its row errors and, for blocked and dry runs, the full plan lists. */
export const runFilePath = (
  managerId: string,
  syncId: string,
  runId: string,
  file: "errors.csv" | "plan-deleted.csv" | "plan-updated.csv",
) => `${runPath(managerId, syncId, runId)}/${file}`;

export const outboxPath = (query?: Query) => withQuery("/admin/outbox", query);
export const usersPath = (query?: Query) => withQuery("/admin/users", query);
export const tokensPath = (query?: Query) => withQuery("/admin/tokens", query);

export const apiSyncsPath = (query?: Query) => withQuery("/api/syncs", query);
export const apiSyncPath = (syncId: string, query?: Query) => withQuery(`/api/syncs/${syncId}`, query);
export const apiSyncRunPath = (syncId: string) => `/api/syncs/${syncId}/run`;
export const apiSyncStatusPath = (syncId: string) => `/api/syncs/${syncId}/status`;
export const apiRunPath = (runId: string) => `/api/runs/${runId}`;
export const apiUploadsPath = (returnTo: string) => withQuery("/api/uploads", { returnTo });

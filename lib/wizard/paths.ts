/** URLs of the wizard's pages. */
export type WizardPage = "source" | "preview" | "mapping" | "schedule";

export function wizardPath(managerId: string, syncId: string | null, page: WizardPage): string {
  if (!syncId) return `/managers/${managerId}/imports/new`;
  return `/managers/${managerId}/imports/${syncId}/edit/${page}`;
}

export function importsPath(managerId: string): string {
  return `/managers/${managerId}/imports`;
}

import type { Metadata } from "next";
import Link from "next/link";
import { MappingForm } from "@/app/_components/wizard/MappingForm";
import { WizardShell } from "@/app/_components/wizard/WizardShell";
import { isRemote } from "@/lib/vocabulary";
import { lastImportKeyColumn, mappingDefaults } from "@/lib/wizard/mapping-step";
import { safetyDefaults } from "@/lib/wizard/safety-form";
import { editToken } from "@/lib/wizard/edit-token";
import { buildPreview } from "@/lib/wizard/preview";
import { saveMappingAction } from "@/app/managers/[id]/imports/[syncId]/edit/actions";
import { loadWizardPage, type WizardParams } from "@/app/managers/[id]/imports/[syncId]/edit/load";
import { PendingNotice } from "@/app/managers/[id]/imports/[syncId]/edit/PendingNotice";
import { wizardPath } from "@/lib/paths";

export const metadata: Metadata = { title: "Import mapping — Contact Sync" };

export default async function MappingStepPage({
  params,
  searchParams,
}: {
  params: WizardParams;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { db, manager, sync } = await loadWizardPage(params);
  const sp = await searchParams;
  const preview = await buildPreview(sync, manager.fields, { rows: 1 });
  const remote = isRemote(sync.sourceKind);
  const lastKey = sync.mapping ? null : await lastImportKeyColumn(db, manager.id, sync.id);
  return (
    <WizardShell managerId={manager.id} managerName={manager.name} sync={sync} current="mapping" remote={remote}>
      <PendingNotice managerId={manager.id} sync={sync} />
      {preview.fatal ? (
        <div className="error-box" role="alert">
          <p>
            <strong>The file&apos;s columns cannot be read.</strong> {preview.fatal.message}
          </p>
          <p>
            <Link href={wizardPath(manager.id, sync.id, "source")}>Change the source or the settings</Link>
          </p>
        </div>
      ) : (
        <MappingForm
          key={`${sync.updatedAt.getTime()}-${manager.fields.length}`}
          action={saveMappingAction}
          managerId={manager.id}
          syncId={sync.id}
          editSince={editToken(sync)}
          columns={preview.columns}
          samples={preview.rows[0]?.cells ?? []}
          fields={manager.fields.map((f) => ({ id: f.id, label: f.label, type: f.type, role: f.role }))}
          defaults={mappingDefaults(preview.columns, manager.fields, sync.mapping, lastKey)}
          safety={
            remote
              ? undefined
              : { defaults: safetyDefaults(sync), deleteMissing: sync.deleteMissing && !sync.mapping?.autoKey }
          }
          remote={remote}
          backHref={wizardPath(manager.id, sync.id, "preview")}
          notice={
            sp.notice === "field_added"
              ? "Field added to the Contact Manager."
              : sp.notice === "columns_changed"
                ? "Your changes are saved but not live yet: the file's columns changed. Check the mapping, then save it."
                : undefined
          }
        />
      )}
    </WizardShell>
  );
}

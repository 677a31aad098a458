import type { Metadata } from "next";
import Link from "next/link";
import { MappingForm } from "@/app/_components/wizard/MappingForm";
import { WizardShell } from "@/app/_components/wizard/WizardShell";
import { isRemote, mappingDefaults } from "@/lib/sync/draft";
import { wizardPath } from "@/lib/wizard/paths";
import { editToken } from "@/lib/wizard/edit-token";
import { buildPreview } from "@/lib/wizard/preview";
import { saveMappingAction } from "../actions";
import { loadWizardPage, type WizardParams } from "../load";
import { PendingNotice } from "../PendingNotice";

export const metadata: Metadata = { title: "Import mapping — Contact Sync" };

export default async function MappingStepPage({ params, searchParams }: { params: WizardParams; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { db, manager, sync } = await loadWizardPage(params);
  const sp = await searchParams;
  const preview = await buildPreview(db, sync, manager.fields, { rows: 1 });
  const remote = isRemote(sync);
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
          defaults={mappingDefaults(preview.columns, manager.fields, sync.mapping)}
          remote={remote}
          backHref={wizardPath(manager.id, sync.id, "preview")}
          notice={sp.notice === "field_added" ? "Field added to the Contact Manager." : undefined}
        />
      )}
    </WizardShell>
  );
}

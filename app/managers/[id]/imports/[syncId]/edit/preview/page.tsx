import type { Metadata } from "next";
import Link from "next/link";
import { ActionForm } from "@/app/_components/ActionForm";
import { EditToken } from "@/app/_components/wizard/EditToken";
import { editToken } from "@/lib/wizard/edit-token";
import { SubmitButton } from "@/app/_components/SubmitButton";
import { PreviewErrors, PreviewTable } from "@/app/_components/wizard/PreviewTable";
import { unwrittenCells } from "@/lib/wizard/preview-marks";
import { WizardShell } from "@/app/_components/wizard/WizardShell";
import { WizardNav } from "@/app/_components/wizard/WizardNav";
import { isRemote } from "@/lib/vocabulary";
import { pinFirstHostKey } from "@/lib/wizard/preview-step";
import { delimiterName } from "@/lib/wizard/detect";
import { buildPreview } from "@/lib/wizard/preview";
import { encodingLabels } from "@/lib/vocabulary";
import { delimiterChoiceOf, delimiterLabels } from "@/lib/wizard/schemas";
import { applySuggestionAction, previewNextAction } from "@/app/managers/[id]/imports/[syncId]/edit/actions";
import { loadWizardPage, type WizardParams } from "@/app/managers/[id]/imports/[syncId]/edit/load";
import { PendingNotice } from "@/app/managers/[id]/imports/[syncId]/edit/PendingNotice";
import { wizardPath } from "@/lib/paths";

export const metadata: Metadata = { title: "Import preview — Contact Sync" };

export default async function PreviewStepPage({ params }: { params: WizardParams }) {
  const loaded = await loadWizardPage(params);
  const { db, manager } = loaded;
  const preview = await buildPreview(loaded.sync, manager.fields);
  // The first successful connection to an SFTP server pins its host key (shown on step 1 from then on).
  const sync = preview.fatal ? loaded.sync : await pinFirstHostKey(db, loaded.sync, preview.seenHostKey);
  const unwritten = preview.fatal
    ? {}
    : await unwrittenCells({
        managerId: manager.id,
        mapping: sync.mapping,
        columns: preview.columns,
        rows: preview.rows,
        fields: manager.fields,
      });
  const choice = delimiterChoiceOf(sync.delimiter);
  const delimiterText = choice.choice === "other" ? `“${sync.delimiter}”` : delimiterLabels[choice.choice];
  const suggestion = preview.suggestedDelimiter;
  const suggestionLabel = suggestion ? delimiterName(suggestion) : null;
  return (
    <WizardShell
      managerId={manager.id}
      managerName={manager.name}
      sync={sync}
      current="preview"
      remote={isRemote(sync.sourceKind)}
    >
      <PendingNotice managerId={manager.id} sync={sync} />
      <section className="card" aria-labelledby="preview-heading">
        <h2 id="preview-heading">Import file preview</h2>
        <p className="parse-facts">
          {preview.sourceName && (
            <span>
              File: <strong>{preview.sourceName}</strong>
            </span>
          )}
          <span>
            Delimiter: <strong>{delimiterText}</strong>
          </span>
          <span>
            Encoding:{" "}
            <strong>
              {sync.encoding === "auto"
                ? `detected ${preview.encodingUsed ? (encodingLabels[preview.encodingUsed as keyof typeof encodingLabels] ?? preview.encodingUsed) : "—"}`
                : encodingLabels[sync.encoding]}
            </strong>
          </span>
          <span>
            First line is header: <strong>{sync.hasHeader ? "yes" : "no"}</strong>
          </span>
          {preview.columns.length > 0 && (
            <span>
              Columns: <strong>{preview.columns.length}</strong>
            </span>
          )}
        </p>

        {suggestion && suggestionLabel && (
          <div className="warn-box">
            <ActionForm action={applySuggestionAction} className="inline-form" ariaLabel="Use the detected delimiter">
              <input type="hidden" name="managerId" value={manager.id} />
              <input type="hidden" name="syncId" value={sync.id} />
              <EditToken token={editToken(sync)} />
              <input type="hidden" name="delimiter" value={suggestion} />
              <input type="hidden" name="encoding" value={sync.encoding} />
              <p>
                This file looks {suggestionLabel}-separated — use{" "}
                {suggestionLabel[0].toUpperCase() + suggestionLabel.slice(1)}?
              </p>
              <SubmitButton variant="secondary" pendingLabel="Switching…">
                Use {suggestionLabel}
              </SubmitButton>
            </ActionForm>
          </div>
        )}

        {preview.suggestedEncoding && (
          <div className="warn-box">
            <ActionForm action={applySuggestionAction} className="inline-form" ariaLabel="Use the suggested encoding">
              <input type="hidden" name="managerId" value={manager.id} />
              <input type="hidden" name="syncId" value={sync.id} />
              <EditToken token={editToken(sync)} />
              <input type="hidden" name="delimiter" value={sync.delimiter} />
              <input type="hidden" name="encoding" value={preview.suggestedEncoding} />
              <p>
                This file looks {encodingLabels[preview.suggestedEncoding]}-encoded — use{" "}
                {encodingLabels[preview.suggestedEncoding]}?
              </p>
              <SubmitButton variant="secondary" pendingLabel="Switching…">
                Use {encodingLabels[preview.suggestedEncoding]}
              </SubmitButton>
            </ActionForm>
          </div>
        )}

        {preview.fatal ? (
          <div className="error-box" role="alert">
            <p>
              <strong>The file cannot be read with these settings.</strong> {preview.fatal.message}
            </p>
            <p>
              <Link href={wizardPath(manager.id, sync.id, "source")}>Change the source or the settings</Link>
            </p>
          </div>
        ) : (
          <>
            <PreviewErrors preview={preview} />
            {preview.rows.length === 0 ? (
              <p className="empty">The file has a header but no data rows.</p>
            ) : (
              <PreviewTable preview={preview} unwritten={unwritten} />
            )}
            <p className="hint" style={{ marginTop: ".5rem" }}>
              {preview.more
                ? `The first ${preview.rows.length} rows are shown; the import reads the whole file.`
                : `All ${preview.rows.length} rows of the file are shown.`}{" "}
              Checks of values (emails, languages) use the mapping guessed from the column names until you choose it on
              the next step.
            </p>
          </>
        )}

        <WizardNav backHref={wizardPath(manager.id, sync.id, "source")}>
          {!preview.fatal && (
            <ActionForm action={previewNextAction} ariaLabel="Continue to the mapping">
              <input type="hidden" name="managerId" value={manager.id} />
              <input type="hidden" name="syncId" value={sync.id} />
              <EditToken token={editToken(sync)} />
              <SubmitButton pendingLabel="Opening…">Next: mapping</SubmitButton>
            </ActionForm>
          )}
        </WizardNav>
      </section>
    </WizardShell>
  );
}

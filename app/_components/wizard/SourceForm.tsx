"use client";

import { useEffect, useState } from "react";
import { encodingLabels, encodings, remoteKinds } from "@/lib/vocabulary";
import { isLinkProblem, protocolLabels, readTypedLink } from "@/lib/wizard/location";
import { delimiterLabels, sourceStepSchema, type SourceStepInput } from "@/lib/wizard/schemas";
import { Checkbox, Radio, Select, TextArea, TextInput } from "@/app/_components/wizard/fields";
import { UPLOAD_FORM_ID, UploadField } from "@/app/_components/wizard/UploadField";
import { useWizardForm, type WizardAction } from "@/app/_components/wizard/useWizardForm";
import { IntentButton, WizardNav } from "@/app/_components/wizard/WizardNav";
import { StepMessage, WizardForm } from "@/app/_components/wizard/WizardForm";
import { apiUploadsPath } from "@/lib/paths";

const checkboxes = ["hasHeader", "updateExisting", "deleteMissing", "alwaysImport", "trustFingerprint"];

export function SourceForm({
  action,
  managerId,
  syncId,
  editSince,
  defaults,
  maxBytes,
  uploadReturnTo,
  currentUpload,
  uploadError,
  autoKey,
  pinned,
  cancelHref,
  persistKey,
}: {
  action: WizardAction;
  managerId: string;
  syncId: string | null;
  /** The edit of an active import this form shows (EditToken); undefined for a draft. */
  editSince?: string;
  defaults: SourceStepInput;
  maxBytes: number;
  uploadReturnTo: string;
  currentUpload: { filename: string; size?: number } | null;
  uploadError?: string;
  autoKey: boolean;
  pinned: { kind: "host_key" | "tls"; fingerprint: string } | null;
  cancelHref: string;
  /** sessionStorage key for unsaved values (includes the saved version). */
  persistKey: string;
}) {
  const wizard = useWizardForm({
    action,
    defaults,
    checkboxes,
    schemaFor: () => sourceStepSchema,
    persistKey,
  });
  const { form, state, pending, errorOf, jsReady, intent } = wizard;
  const [upload, setUpload] = useState({
    id: String(defaults.uploadId ?? ""),
    name: String(defaults.uploadName ?? ""),
  });
  useEffect(() => {
    // Fields without an element of their own: registered so react-hook-form validates them.
    form.register("uploadId");
    form.register("uploadName");
  }, [form]);
  const location = (form.watch("location") as string) ?? "";
  const protocol = (form.watch("protocol") as string) ?? "auto";
  const parsed = location ? readTypedLink(location, protocol as never) : null;
  const kind = parsed && !isLinkProblem(parsed) ? parsed.kind : protocol !== "auto" ? protocol : null;
  const wildcard = !!parsed && !isLinkProblem(parsed) && parsed.hasWildcard;
  const secretSet = defaults.secretSet === "1";
  const test = state.test;
  const shownFingerprint = test?.fingerprint ?? null;

  return (
    <>
      {/* The no-JavaScript upload: its own multipart form; the file input below belongs to it (form attribute). */}
      <form
        id={UPLOAD_FORM_ID}
        method="post"
        encType="multipart/form-data"
        action={apiUploadsPath(uploadReturnTo)}
        hidden
      />
      <WizardForm
        wizard={wizard}
        label="Import source"
        managerId={managerId}
        syncId={syncId ?? ""}
        editSince={editSince}
      >
        <input type="hidden" {...form.register("secretSet")} defaultValue={String(defaults.secretSet ?? "")} />
        {!state.test && <StepMessage state={state} />}

        <section className="card" aria-labelledby="where-heading">
          <h2 id="where-heading">Where is the file?</h2>
          <fieldset className="choice-fieldset">
            <legend className="visually-hidden">Source</legend>
            <div className="choice-cards">
              <label className="choice-card">
                <input
                  type="radio"
                  value="upload"
                  {...form.register("sourceType")}
                  defaultChecked={defaults.sourceType === "upload"}
                />
                <div>
                  <strong>From your computer</strong>
                  <span>Upload a CSV file now and import it once.</span>
                </div>
              </label>
              <label className="choice-card">
                <input
                  type="radio"
                  value="remote"
                  {...form.register("sourceType")}
                  defaultChecked={defaults.sourceType === "remote"}
                />
                <div>
                  <strong>From network or internet</strong>
                  <span>HTTP(S), FTP, FTPS or SFTP — can run on a schedule.</span>
                </div>
              </label>
            </div>
          </fieldset>

          <div className="upload-only">
            {/* React owns these two values (the form posts them); react-hook-form only validates them. */}
            <input type="hidden" name="uploadId" value={upload.id} />
            <input type="hidden" name="uploadName" value={upload.name} />
            <UploadField
              jsReady={jsReady}
              maxBytes={maxBytes}
              current={currentUpload}
              error={errorOf("uploadId") ?? uploadError}
              onStart={() => {
                setUpload({ id: "", name: "" });
                form.setValue("uploadId", "");
              }}
              onUploaded={(u) => {
                setUpload({ id: u.id, name: u.filename });
                form.setValue("uploadId", u.id, { shouldValidate: form.formState.isSubmitted });
                form.setValue("uploadName", u.filename);
              }}
            />
          </div>

          <div className="remote-only">
            <TextInput
              form={form}
              name="location"
              label="File location"
              required
              hint={
                <>
                  For example <code>sftp://files.example.org/export/contacts.csv</code>, or a folder:{" "}
                  <code>ftp://host/drop/*.csv</code>. Use <code>/</code> between folders.
                </>
              }
              placeholder="sftp://host/folder/file.csv"
              inputMode="url"
              autoComplete="off"
              error={errorOf("location")}
            />
            <Select
              form={form}
              name="protocol"
              label="Protocol"
              className="protocol-field"
              hint="Taken from the link (https://, ftp://, ftpes://, ftps://, sftp://) unless you choose one."
              options={[
                { value: "auto", label: "From the link" },
                ...remoteKinds.map((k) => ({ value: k, label: protocolLabels[k] })),
              ]}
              error={errorOf("protocol")}
            />

            <fieldset className={`folder-mode${wildcard ? " has-wildcard" : ""}`}>
              <legend>The link names a folder (wildcard): import</legend>
              <div className="radio-row">
                <Radio
                  form={form}
                  name="folderMode"
                  value="newest"
                  label="the newest matching file"
                  hint="It holds all contacts (full list)."
                />
                <Radio
                  form={form}
                  name="folderMode"
                  value="every_new"
                  label="every new file, oldest first"
                  hint="Each file holds changes only."
                />
              </div>
            </fieldset>

            <fieldset className="feed-options">
              <legend>Files still being written, and after the import (FTP, FTPS, SFTP)</legend>
              <div className="inline-fields">
                <TextInput
                  form={form}
                  name="settleSeconds"
                  type="number"
                  label="Settle time (seconds)"
                  className="narrow"
                  hint="A file changed more recently is read once it has stayed the same this long. 0: read at once."
                  error={errorOf("settleSeconds")}
                />
                <TextInput
                  form={form}
                  name="readyMarker"
                  label="Ready marker (optional)"
                  className="narrow"
                  placeholder=".done"
                  hint="Take a file only when name.csv.done (this suffix) is beside it. Markers are never imported."
                  error={errorOf("readyMarker")}
                />
              </div>
              <div className="radio-row">
                <Radio form={form} name="afterImport" value="leave" label="Leave the file where it is" />
                <Radio form={form} name="afterImport" value="move" label="Move it into a folder" />
                <Radio form={form} name="afterImport" value="delete" label="Delete it" />
              </div>
              <TextInput
                form={form}
                name="afterImportFolder"
                label="Folder to move imported files into"
                hint="Relative to the file's folder unless it starts with /; created if missing. Only after an import that was applied."
                error={errorOf("afterImportFolder")}
              />
            </fieldset>

            <fieldset className={`login-box${kind === "http" || kind === "https" ? " is-http" : ""}`}>
              <legend>Sign-in {kind === "http" || kind === "https" ? "(optional for HTTP)" : ""}</legend>
              <div className={`sftp-only${kind === "sftp" ? " is-sftp" : ""}`}>
                <div className="radio-row">
                  <Radio form={form} name="authMethod" value="password" label="Sign in with a password" />
                  <Radio form={form} name="authMethod" value="key" label="Sign in with a private key" />
                </div>
              </div>
              <div className="inline-fields">
                <TextInput form={form} name="login" label="Login" autoComplete="off" error={errorOf("login")} />
                <TextInput
                  form={form}
                  name="password"
                  type="password"
                  label="Password"
                  className="auth-password"
                  autoComplete="new-password"
                  placeholder={secretSet ? "•••••• (saved)" : undefined}
                  hint={secretSet ? "A password is saved. Leave blank to keep it." : undefined}
                  error={errorOf("password")}
                />
              </div>
              <div className="auth-key">
                <TextArea
                  form={form}
                  name="privateKey"
                  label="SFTP private key"
                  rows={5}
                  placeholder={
                    secretSet ? "A key is saved. Leave blank to keep it." : "-----BEGIN OPENSSH PRIVATE KEY-----"
                  }
                  hint="OpenSSH or PEM format. Stored encrypted; never shown again."
                  error={errorOf("privateKey")}
                />
                <TextInput
                  form={form}
                  name="passphrase"
                  type="password"
                  label="Key passphrase (if any)"
                  autoComplete="new-password"
                  error={errorOf("passphrase")}
                />
              </div>
            </fieldset>

            {pinned && !shownFingerprint && (
              <p>
                Trusted {pinned.kind === "host_key" ? "SFTP host key" : "TLS certificate"}:{" "}
                <span className="fingerprint">{pinned.fingerprint}</span>
              </p>
            )}
            {kind === "sftp" && !pinned && (
              <p className="hint" data-testid="host-key-rule">
                SFTP host key: pinned on first use. The first successful connection (Test connection, then Next; or the
                preview) stores the server&apos;s host key with the import; from then on a server showing another key is
                refused.
              </p>
            )}
            {/* Only the key or certificate this page's own test showed; a stored pin stays as it is. */}
            <input
              type="hidden"
              {...form.register("fingerprint")}
              defaultValue={shownFingerprint ?? ""}
              key={shownFingerprint ?? "none"}
            />
            <div className="actions">
              <IntentButton
                intent="test"
                label="Test connection"
                busyLabel="Testing…"
                className="btn btn-secondary"
                pending={pending}
                submitting={intent}
              />
            </div>
            {test && (
              <div className={`test-result ${test.ok ? "notice" : "error-box"}`} role="status" aria-live="polite">
                <p>
                  <strong>{test.ok ? "Connection works." : "Connection failed."}</strong> {test.message}
                </p>
                {test.files && test.files.length > 0 && (
                  <ul className="mapped-list">
                    {test.files.map((f) => (
                      <li key={f.name}>
                        {f.name} <span className="muted">({f.size.toLocaleString("en")} bytes)</span>
                        {f.ready === false && <span className="badge"> not ready (no marker)</span>}
                        {f.ready !== false && f.settling && <span className="badge"> still settling</span>}
                        {f.ready !== false && !f.settling && f.ready !== undefined && (
                          <span className="badge"> ready</span>
                        )}
                      </li>
                    ))}
                  </ul>
                )}
                {test.fingerprint && (
                  <div style={{ marginTop: ".5rem" }}>
                    <p>
                      {test.fingerprintKind === "host_key"
                        ? "The server's SSH host key"
                        : "The server's TLS certificate"}
                      : <span className="fingerprint">{test.fingerprint}</span>
                    </p>
                    {test.fingerprintKind === "host_key" ? (
                      <p className="hint">
                        Compare it with the one your server administrator gives you. It is pinned when you go on (Next):
                        from then on a server showing another key is refused.
                      </p>
                    ) : (
                      <>
                        <p className="hint">
                          Compare it with the one your server administrator gives you before trusting it.
                        </p>
                        <Checkbox
                          form={form}
                          name="trustFingerprint"
                          label="Trust this fingerprint"
                          hint="Saved with the import instead of checking the certificate against the certificate authorities: a server showing another one is refused."
                        />
                      </>
                    )}
                  </div>
                )}
              </div>
            )}
          </div>
        </section>

        <section className="card" aria-labelledby="read-heading">
          <h2 id="read-heading">How to read the file</h2>
          <Checkbox
            form={form}
            name="hasHeader"
            label="Consider first line as header"
            hint="Off: columns are named Column 1, Column 2, …"
          />
          <TextInput
            form={form}
            name="zipMember"
            label="ZIP member (only for a ZIP archive holding several files)"
            hint="The file inside the archive to import: its name or a wildcard such as *.csv. gzip and one-file ZIP archives need nothing."
            maxLength={500}
            error={errorOf("zipMember")}
          />
          <div className="inline-fields">
            <Select
              form={form}
              name="delimiter"
              label="Delimiter"
              options={Object.entries(delimiterLabels).map(([value, label]) => ({ value, label }))}
              error={errorOf("delimiter")}
            />
            <TextInput
              form={form}
              name="delimiterOther"
              label="Other delimiter character"
              className="narrow delimiter-other"
              maxLength={4}
              error={errorOf("delimiterOther")}
            />
            <Select
              form={form}
              name="encoding"
              label="Encoding"
              options={encodings.map((e) => ({ value: e, label: encodingLabels[e] }))}
              error={errorOf("encoding")}
            />
          </div>
        </section>

        <section className="card" aria-labelledby="options-heading">
          <h2 id="options-heading">Import settings</h2>
          <TextInput
            form={form}
            name="name"
            label="Import name"
            hint="Shown in the list of imports. Blank: the file name."
            maxLength={200}
            error={errorOf("name")}
          />
          {autoKey && (
            <p className="warn-box">
              Unique keys are generated for this import, so no row can match an existing contact: updating and deleting
              are off.
            </p>
          )}
          <Checkbox
            form={form}
            name="updateExisting"
            label="Update the contacts with changes from the import file"
            disabled={autoKey}
            error={errorOf("updateExisting")}
          />
          <Checkbox
            form={form}
            name="deleteMissing"
            className="not-every-new"
            label="Delete contacts not found in the import file"
            hint="Deleted contacts can be restored by reverting the run. Not available when every new file is imported on its own."
            disabled={autoKey}
            error={errorOf("deleteMissing")}
          />
          <Checkbox
            form={form}
            name="alwaysImport"
            label="Import the file every time, even if it has not changed since the last import"
          />
          <TextInput
            form={form}
            name="errorEmail"
            type="email"
            label="Email for errors"
            hint="Gets a message when an import has errors or is blocked."
            autoComplete="email"
            error={errorOf("errorEmail")}
          />
        </section>

        <WizardNav backHref={cancelHref} backLabel="Cancel">
          {editSince !== undefined && (
            <IntentButton
              intent="save"
              label="Save changes"
              busyLabel="Saving…"
              className="btn btn-secondary"
              pending={pending}
              submitting={intent}
            />
          )}
          <IntentButton intent="next" label="Next: preview" busyLabel="Saving…" pending={pending} submitting={intent} />
        </WizardNav>
      </WizardForm>
    </>
  );
}

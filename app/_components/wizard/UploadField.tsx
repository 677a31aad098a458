"use client";

import { useId, useRef, useState } from "react";

export const UPLOAD_FORM_ID = "wizard-upload";

function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ["KiB", "MiB", "GiB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 10 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/**
 * The file chooser of step 1. With JavaScript the chosen file is streamed at once to POST /api/uploads by
 * XMLHttpRequest (upload progress) and its id lands in the step form's hidden `uploadId`. Without
 * JavaScript the input belongs (form attribute) to a separate multipart form that posts to the same route,
 * which redirects back here with ?upload=<id>.
 */
export function UploadField({
  jsReady,
  maxBytes,
  current,
  error,
  onUploaded,
  onStart,
}: {
  jsReady: boolean;
  maxBytes: number;
  current: { filename: string; size?: number } | null;
  error?: string;
  onUploaded: (u: { id: string; filename: string; size: number }) => void;
  onStart: () => void;
}) {
  const id = useId();
  const [progress, setProgress] = useState<{ loaded: number; total: number } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<{ filename: string; size?: number } | null>(current);
  const xhrRef = useRef<XMLHttpRequest | null>(null);

  const upload = (file: File) => {
    setProblem(null);
    setDone(null);
    if (file.size > maxBytes) {
      setProblem(`The file is larger than ${formatBytes(maxBytes)}, the most one upload may hold.`);
      return;
    }
    if (file.size === 0) {
      setProblem("The file is empty. Choose a CSV file with at least one line.");
      return;
    }
    xhrRef.current?.abort();
    onStart();
    const xhr = new XMLHttpRequest();
    xhrRef.current = xhr;
    xhr.open("POST", "/api/uploads");
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("X-Filename", encodeURIComponent(file.name));
    xhr.responseType = "json";
    setProgress({ loaded: 0, total: file.size });
    xhr.upload.onprogress = (e) => setProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onload = () => {
      setProgress(null);
      const body = xhr.response as {
        upload?: { id: string; filename: string; size: number };
        error?: { message?: string };
      } | null;
      if (xhr.status === 201 && body?.upload) {
        setDone(body.upload);
        onUploaded(body.upload);
      } else if (xhr.status === 401) setProblem("Your session has ended. Sign in again, then choose the file again.");
      else setProblem(body?.error?.message ?? `The upload failed (HTTP ${xhr.status}). Try again.`);
    };
    xhr.onerror = () => {
      setProgress(null);
      setProblem("The upload was interrupted (network error). Try again.");
    };
    xhr.onabort = () => setProgress(null);
    xhr.send(file);
  };

  const shown = problem ?? error;
  const pct = progress?.total ? Math.floor((progress.loaded / progress.total) * 100) : 0;
  return (
    <div className={`field upload-box${shown ? " field-invalid" : ""}`}>
      <label htmlFor={id}>File to import</label>
      <p className="hint" id={`${id}-hint`}>
        A CSV file, at most {formatBytes(maxBytes)}.
      </p>
      <input
        id={id}
        type="file"
        name="file"
        form={UPLOAD_FORM_ID}
        accept=".csv,.txt,.tsv,text/csv,text/plain"
        aria-describedby={`${id}-hint${shown ? ` ${id}-error` : ""}`}
        aria-invalid={shown ? true : undefined}
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          if (file && jsReady) upload(file);
        }}
      />
      {!jsReady && (
        <div className="upload-status">
          <button type="submit" form={UPLOAD_FORM_ID} className="btn btn-secondary btn-small">
            Upload file
          </button>
          <span className="hint">Upload first, then fill in the rest of the page.</span>
        </div>
      )}
      {progress && (
        <div className="upload-status" role="status">
          <progress max={100} value={pct} aria-label="Upload progress" />
          <span>
            Uploading… {pct}% ({formatBytes(progress.loaded)} of {formatBytes(progress.total)})
          </span>
          <button type="button" className="btn btn-secondary btn-small" onClick={() => xhrRef.current?.abort()}>
            Cancel
          </button>
        </div>
      )}
      {done && !progress && (
        <p className="upload-status" role="status">
          <span className="uploaded-file">✓ {done.filename}</span>
          {done.size !== undefined && <span className="muted">{formatBytes(done.size)} uploaded</span>}
        </p>
      )}
      {shown && (
        <p className="field-error" id={`${id}-error`} role="alert">
          {shown}
        </p>
      )}
    </div>
  );
}

import { getDb } from "@/db/client";
import { withApiAuth } from "@/lib/auth/guard";
import { env } from "@/lib/env";
import { AppError, errorResponse, isAppError } from "@/lib/errors";
import { receiveUpload, returnToFromUrl } from "@/lib/wizard/upload-request";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Streaming upload for the import wizard (a file from the computer, streamed to disk as it arrives). JSON for the wizard's XMLHttpRequest:
 * 201 {"upload": {"id", "filename", "size"}}; errors {"error": {"code", "message"}} (413 over the limit).
 * A plain form post (no JavaScript) with ?returnTo=/managers/…/imports/new is answered with a 303 back to
 * the wizard: ?upload=<id>, or ?uploadError=<code> (the page words it; nothing from the URL is echoed).
 */
export const POST = withApiAuth("editor", async (req, { user }) => {
  const back = returnToFromUrl(req);
  try {
    const { upload, returnTo } = await receiveUpload(getDb(), req, { maxBytes: env.UPLOAD_MAX_BYTES, userId: user.id });
    const target = back ?? returnTo;
    if (target) return redirectBack(target, { upload: upload.id });
    return Response.json({ upload }, { status: 201 });
  } catch (e) {
    if (!back) throw e;
    if (!isAppError(e)) return errorResponse(e);
    return redirectBack(back, { uploadError: e.code });
  }
});

function redirectBack(path: string, params: Record<string, string>): Response {
  const url = new URL(path, env.APP_URL);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  // Relative Location: the browser resolves it against the URL it posted to (whatever host it used).
  return new Response(null, { status: 303, headers: { Location: url.pathname + url.search } });
}

export function GET() {
  return errorResponse(new AppError("method_not_allowed", "Send the file with POST."));
}

import { AppError } from "@/lib/errors";
import type { FieldErrors } from "@/lib/wizard/schemas";

/** Thrown when a step's values are valid alone but not against what is stored (e.g. a missing secret). */
export class StepError extends AppError {
  constructor(public readonly fieldErrors: FieldErrors) {
    super("invalid_step", Object.values(fieldErrors)[0] ?? "Check the highlighted fields.", 400);
  }
}

"use server";

import { redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { audit } from "@/lib/audit";
import { authorizedAction } from "@/lib/auth/guard";
import { gone } from "@/lib/errors";
import {
  addField,
  createManager,
  deleteManager,
  getManager,
  renameManager,
  updateKeyField,
} from "@/lib/managers/queries";
import {
  addFieldSchema,
  createManagerSchema,
  deleteManagerSchema,
  renameManagerSchema,
  updateKeyFieldSchema,
} from "@/app/managers/schemas";
import { managerPath, managerSettingsPath, managersPath } from "@/lib/paths";

/** Contact Manager changes: editors and admins (viewers only read). Each one is audited, then redirects (PRG). */

export const createManagerAction = authorizedAction("editor", createManagerSchema, async (input, user) => {
  const db = getDb();
  const manager = await createManager(db, input);
  await audit(db, {
    user,
    action: "manager.create",
    targetType: "manager",
    targetId: manager.id,
    details: { name: manager.name, fields: manager.fields.map((f) => f.label) },
  });
  redirect(managerPath(manager.id, { notice: "manager_created" }));
});

export const renameManagerAction = authorizedAction("editor", renameManagerSchema, async (input, user) => {
  const db = getDb();
  const before = await getManager(db, input.id);
  if (!before) throw gone("manager");
  await renameManager(db, input.id, input.name);
  await audit(db, {
    user,
    action: "manager.rename",
    targetType: "manager",
    targetId: input.id,
    details: { from: before.name, to: input.name },
  });
  redirect(managerSettingsPath(input.id, { notice: "manager_renamed" }));
});

export const deleteManagerAction = authorizedAction("editor", deleteManagerSchema, async (input, user) => {
  const db = getDb();
  const manager = await getManager(db, input.id);
  if (!manager) throw gone("manager");
  if (input.confirmName !== manager.name.trim()) {
    return {
      code: "invalid",
      message: "The name you typed does not match. Nothing was deleted.",
      errors: { confirmName: [`Type “${manager.name}” exactly.`] },
    };
  }
  await deleteManager(db, input.id);
  await audit(db, {
    user,
    action: "manager.delete",
    targetType: "manager",
    targetId: input.id,
    details: { name: manager.name },
  });
  redirect(managersPath({ notice: "manager_deleted" }));
});

export const addFieldAction = authorizedAction("editor", addFieldSchema, async (input, user) => {
  const db = getDb();
  if (!(await getManager(db, input.managerId))) throw gone("manager");
  const field = await addField(db, input.managerId, { label: input.label, type: input.type });
  await audit(db, {
    user,
    action: "field.create",
    targetType: "manager",
    targetId: input.managerId,
    details: { fieldId: field.id, label: field.label, type: field.type },
  });
  redirect(managerSettingsPath(input.managerId, { notice: "field_added" }));
});

export const updateKeyFieldAction = authorizedAction("editor", updateKeyFieldSchema, async (input, user) => {
  const db = getDb();
  if (!(await getManager(db, input.managerId))) throw gone("manager");
  await updateKeyField(db, input.managerId, { label: input.label, type: input.type });
  await audit(db, {
    user,
    action: "field.update_key",
    targetType: "manager",
    targetId: input.managerId,
    details: { label: input.label, type: input.type },
  });
  redirect(managerSettingsPath(input.managerId, { notice: "key_field_updated" }));
});

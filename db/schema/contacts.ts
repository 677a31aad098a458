import {
  pgTable,
  uuid,
  text,
  timestamp,
  integer,
  jsonb,
  bigserial,
  bigint,
  index,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";

export const fieldTypes = ["text", "email", "language", "password", "date", "number"] as const;
export type FieldType = (typeof fieldTypes)[number];

/** The built-in fields every manager has, in display order. "Unique Key" is the contact's identity (contacts.key). */
export const builtinFields: {
  label: string;
  type: FieldType;
  role: "key" | "email" | "first_name" | "last_name" | "language" | "password";
}[] = [
  { label: "Unique Key", type: "text", role: "key" },
  { label: "Email", type: "email", role: "email" },
  { label: "First Name", type: "text", role: "first_name" },
  { label: "Last Name", type: "text", role: "last_name" },
  { label: "Language", type: "language", role: "language" },
  { label: "Password", type: "password", role: "password" },
];

export const managers = pgTable(
  "managers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    /**
     * Live (not deleted) contacts. Kept in the transaction that changes them (an import's apply, a revert), so
     * the pages read one number instead of counting up to a million rows.
     */
    contactCount: integer("contact_count").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  // A name tells one list from another on every page: no two managers share one, whatever the case.
  (t) => [uniqueIndex("managers_name_idx").on(sql`lower(${t.name})`)],
);

export const fields = pgTable(
  "fields",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    managerId: uuid("manager_id")
      .notNull()
      .references(() => managers.id, { onDelete: "cascade" }),
    label: text("label").notNull(),
    type: text("type", { enum: fieldTypes }).notNull(),
    /** Set for built-in fields ("key", "email", ...); null for custom ones. */
    role: text("role"),
    position: integer("position").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("fields_manager_label_idx").on(t.managerId, sql`lower(${t.label})`),
    uniqueIndex("fields_manager_role_idx").on(t.managerId, t.role),
  ],
);

/**
 * One contact. `key` is the Unique Key as first spelled; `key_norm` (trimmed, lower-cased) is what matches.
 * `data` maps field id → string value for every field except the key and the password.
 * `row_hash` is a hash of data + password_mac: "unchanged" is a hash compare.
 */
export const contacts = pgTable(
  "contacts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    // No foreign key to managers: its per-row check cost a third of the COPY time of a big import.
    // deleteManager removes the contacts itself, and imports and deletion serialise on the manager's
    // advisory lock (lib/sync/apply.ts lockManager checks the manager still exists once it holds it).
    managerId: uuid("manager_id").notNull(),
    key: text("key").notNull(),
    keyNorm: text("key_norm").notNull(),
    data: jsonb("data").$type<Record<string, string>>().notNull().default({}),
    passwordHash: text("password_hash"),
    /** HMAC of the password under the app secret: lets a re-import skip re-hashing an unchanged password. */
    passwordMac: text("password_mac"),
    rowHash: text("row_hash").notNull(),
    /**
     * What "email or name contains" searches: the lower-cased email, U+0001, then first and last name
     * (lib/contacts/search-text.ts). Written with `data` by every import and revert (and filled for older
     * rows by migration 0009); a row written otherwise without it is not found by that search.
     */
    search: text("search"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    createdByRun: uuid("created_by_run"),
    updatedByRun: uuid("updated_by_run"),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    deletedByRun: uuid("deleted_by_run"),
  },
  (t) => [
    // One index for matching keys (unique; equality is the same in every operator class) and for the
    // contacts page: key order, key-prefix search and keyset paging (deleted rows are filtered out). A
    // second, live-only index cost every import a fourth index to maintain. text_pattern_ops compares
    // bytes, so ~>=~ / ~<~ range scans use it whatever the database collation is.
    uniqueIndex("contacts_manager_key_idx").on(t.managerId, t.keyNorm.op("text_pattern_ops")),
    index("contacts_deleted_by_run_idx").on(t.deletedByRun).where(sql`${t.deletedByRun} is not null`),
  ],
);

/** Previous state of contacts a run updated or deleted, so the run can be reverted. */
export const contactVersions = pgTable(
  "contact_versions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: uuid("run_id").notNull(),
    contactId: bigint("contact_id", { mode: "number" }).notNull(),
    change: text("change", { enum: ["created", "updated", "deleted"] }).notNull(),
    data: jsonb("data").$type<Record<string, string>>(),
    passwordHash: text("password_hash"),
    passwordMac: text("password_mac"),
    rowHash: text("row_hash"),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    /** The key as spelt before the change (a revival takes the new file's spelling); null in older rows. */
    key: text("key"),
  },
  (t) => [index("contact_versions_run_idx").on(t.runId), index("contact_versions_contact_idx").on(t.contactId)],
);

export type Manager = typeof managers.$inferSelect;
export type Field = typeof fields.$inferSelect;
export type Contact = typeof contacts.$inferSelect;

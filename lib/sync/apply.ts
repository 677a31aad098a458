import type postgres from "postgres";
import { hashContactPassword } from "@/lib/auth/passwords";
import type { SearchFieldIds } from "@/lib/contacts/search-text";
import { AppError } from "@/lib/errors";
import type { FieldGroups } from "@/lib/sync/merge-rules";
import { mergedDataSql } from "@/lib/sync/merge-sql";

type Tx = postgres.Sql;

/** The advisory lock of a manager's contacts (transaction-scoped), shared by imports and deletion. */
export const managerLockName = (managerId: string) => `contacts:${managerId}`;

/**
 * Serialise the runs of one manager: two syncs into one manager never apply at the same time, and a manager
 * is never deleted while a run writes into it (deleteManager takes the same lock). Fails when the manager
 * was deleted before the lock was granted. Returns its live-contact count (managers.contact_count).
 */
export async function lockManager(tx: Tx, managerId: string): Promise<number> {
  await tx`select pg_advisory_xact_lock(hashtextextended(${managerLockName(managerId)}, 0))`;
  const [manager] = await tx<{ count: number }[]>`select contact_count as count from managers where id = ${managerId}`;
  if (!manager)
    throw new AppError("not_found", "This Contact Manager was deleted during the import. Nothing was changed.");
  return manager.count;
}

/**
 * Under the manager lock: the key field still has the type the rows' keys were checked against. It may change
 * while the manager is empty (updateKeyField, under the same lock), so between reading the file and this lock.
 */
export async function assertKeyTypeUnchanged(tx: Tx, managerId: string, checkedAs: string): Promise<void> {
  const [key] = await tx<{ type: string }[]>`select type from fields where manager_id = ${managerId} and role = 'key'`;
  if (key && key.type !== checkedAs)
    throw new AppError(
      "key_field_changed",
      "The unique key field's type was changed while this file was being read. Nothing was changed; run the import again.",
    );
}

/**
 * Keep managers.contact_count (live contacts) in step with what the run wrote, in the run's transaction:
 * created (inserted or revived) minus deleted.
 */
export async function countAppliedContacts(
  tx: Tx,
  managerId: string,
  applied: { created: number; deleted: number },
): Promise<void> {
  const delta = applied.created - applied.deleted;
  if (delta !== 0) await tx`update managers set contact_count = contact_count + ${delta} where id = ${managerId}`;
}

/**
 * Hash the passwords that are new or changed (their MAC differs from the stored one): the rows of the
 * plan that need it (new and revived contacts, changed passwords). Identical re-imported passwords are never re-hashed. Hashes land in the
 * `hashes` table (line → hash), in batches, a few in parallel (libuv pool).
 */
export async function hashNewPasswords(tx: Tx, onProgress?: (done: number) => void): Promise<number> {
  await tx`create temp table hashes on commit drop as select line, pw, null::text as hash from plan where need_hash`;
  await tx`create unique index on hashes (line)`;
  let last = 0;
  let done = 0;
  for (;;) {
    const batch = await tx<
      { line: number; pw: string }[]
    >`select line, pw from hashes where line > ${last} order by line limit 256`;
    if (batch.length === 0) break;
    const hashes: string[] = [];
    for (let i = 0; i < batch.length; i += 4) {
      const part = await Promise.all(batch.slice(i, i + 4).map((r) => hashContactPassword(r.pw)));
      hashes.push(...part);
    }
    await tx`
      update hashes t set hash = h.hash, pw = null
      from unnest(${batch.map((r) => r.line)}::int[], ${hashes}::text[]) as h(line, hash)
      where t.line = h.line`;
    last = batch[batch.length - 1].line;
    done += batch.length;
    onProgress?.(done);
  }
  await tx`update plan p set pw_hash = h.hash from hashes h where p.line = h.line and p.need_hash`;
  return done;
}

/**
 * Read one manager's contacts through the key index (contacts_manager_key_idx), never by a sequential scan
 * of the whole table. For a manager holding most live rows the planner would rather scan the table, and the
 * scan also reads every other manager's rows and every dead row (deleted managers, earlier updates): a
 * `limit 1` probe took 0.4-0.6 s and the re-sync's comparison 4.5-16 s instead of 2.2-2.4 s at a million.
 * Not in a `finally`: after a failed statement the transaction accepts no further command.
 */
export async function throughKeyIndex<T>(tx: Tx, read: () => Promise<T>): Promise<T> {
  await tx`set local enable_seqscan = off`;
  const result = await read();
  await tx`set local enable_seqscan to default`;
  return result;
}

/**
 * The plan's rows reach their contacts by primary key. The planner, with statistics that lag behind big
 * imports, would rather hash the whole `contacts` table to join a few thousand rows: index lookups only.
 */
export async function lookUpContactsById(tx: Tx): Promise<void> {
  await tx`set local enable_nestloop = on`;
  await tx`set local enable_hashjoin = off`;
  await tx`set local enable_mergejoin = off`;
}

/**
 * Write the plan, inside the run's transaction. Every change to an existing row keeps the
 * previous state in contact_versions (updated and revived contacts, soft-deleted ones) so the run can be
 * reverted; inserted contacts are known by created_by_run. Deletes are soft (deleted_at, deleted_by_run).
 * Every write of `data` stores the row hash the plan compared with, so the next import of the same rows
 * finds them unchanged by that hash alone.
 */
export async function applyPlan(
  tx: Tx,
  o: {
    managerId: string;
    runId: string;
    mappedFieldIds: string[];
    groups: FieldGroups;
    updateExisting: boolean;
    search: SearchFieldIds;
  },
): Promise<void> {
  const { managerId, runId } = o;
  // The search text of the data being written (lib/contacts/search-text.ts).
  const searchOf = (data: postgres.PendingQuery<postgres.Row[]>) =>
    tx`contact_search_text(${data}, ${o.search.email}::text, ${o.search.first}::text, ${o.search.last}::text)`;
  const merged = () => mergedDataSql(tx, o.mappedFieldIds, o.groups);

  await lookUpContactsById(tx);
  if (o.updateExisting) {
    await tx`
      insert into contact_versions (run_id, contact_id, change, data, password_hash, password_mac, row_hash, deleted_at, key)
      select ${runId}, c.id, 'updated', c.data, c.password_hash, c.password_mac, c.row_hash, c.deleted_at, c.key
      from plan p join contacts c on c.id = p.contact_id where p.action = 'update'`;
    // In SET, c.data is the stored value: fields the file does not feed are kept, and the fields' merge
    // rules decide which mapped ones are written (plan.ts mergedDataSql, the same expression the plan used).
    await tx`
      update contacts c set
        data = ${merged()},
        search = ${searchOf(merged())},
        password_hash = case when p.need_hash then p.pw_hash else c.password_hash end,
        password_mac = case when p.need_hash then p.pw_mac else c.password_mac end,
        row_hash = p.row_hash,
        updated_at = now(), updated_by_run = ${runId}
      from plan p
      where p.action = 'update' and c.id = p.contact_id`;
  }
  // Not a change: the contact keeps its data, updated_at and history.
  await tx`update contacts c set row_hash = p.row_hash from plan p where p.action = 'rehash' and c.id = p.contact_id`;

  // A key that was deleted earlier comes back: the contact is revived as a fresh one (counts as created).
  // Its 'created' version keeps the deleted state for a revert, the key's spelling included (the revival
  // takes the file's). created_by_run stays the run that first
  // inserted the row, so that run's revert still sees the contact was changed again since (a conflict).
  await tx`
    insert into contact_versions (run_id, contact_id, change, data, password_hash, password_mac, row_hash, deleted_at, key)
    select ${runId}, c.id, 'created', c.data, c.password_hash, c.password_mac, c.row_hash, c.deleted_at, c.key
    from plan p join contacts c on c.id = p.contact_id where p.action = 'revive'`;
  await tx`
    update contacts c set key = p.key, data = p.data, search = ${searchOf(tx`p.data`)}, password_hash = p.pw_hash, password_mac = p.pw_mac, row_hash = p.row_hash,
      deleted_at = null, deleted_by_run = null, updated_at = now(), updated_by_run = ${runId}
    from plan p where p.action = 'revive' and c.id = p.contact_id`;

  // New keys. No contact_versions row: a contact inserted from nothing has no previous state, and
  // created_by_run tells a revert which they are.
  await tx`
    insert into contacts (manager_id, key, key_norm, data, search, password_hash, password_mac, row_hash, created_by_run)
    select ${managerId}, p.key, p.key_norm, p.data, ${searchOf(tx`p.data`)}, p.pw_hash, p.pw_mac, p.row_hash, ${runId}
    from plan p where p.action = 'insert' order by p.line`;

  await tx`
    with deleted_rows as (
      update contacts c set deleted_at = now(), deleted_by_run = ${runId}
      from plan p where p.action = 'delete' and c.id = p.contact_id
      returning c.id, c.data, c.password_hash, c.password_mac, c.row_hash, c.key
    )
    insert into contact_versions (run_id, contact_id, change, data, password_hash, password_mac, row_hash, deleted_at, key)
    select ${runId}, id, 'deleted', data, password_hash, password_mac, row_hash, null, key from deleted_rows`;
}

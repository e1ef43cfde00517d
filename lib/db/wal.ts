import { servicePrepared } from "./service-query";

/**
 * Flushes the WAL to disk up to now (private.flush_wal): every transaction that committed before
 * this call is durable when it resolves. A statement that ran private.commit_without_waiting_for_flush()
 * committed without waiting for its flush, to release its locks sooner; its caller must await this
 * before it reports the outcome to anyone (or acts on it outside the database).
 */
export async function flushWal(): Promise<void> {
  await servicePrepared("flush_wal", "select private.flush_wal()", []);
}

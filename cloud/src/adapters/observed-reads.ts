import type { SqlDb, SqlDriver } from "./sql-driver.js";

/** Told each read statement the store sends, with its parameters (before it runs). */
export type ReadObserver = (sql: string, params: readonly unknown[]) => void;

/**
 * The driver with its reads told to `onRead`: how a test sees the very SQL
 * an API read sends (to ask the database for its plan) without a copy of it.
 * Writes are not observed.
 */
export function observeReads(driver: SqlDriver, onRead: ReadObserver): SqlDriver {
  const inner = driver.read;
  const read: SqlDb = {
    all: <T>(sql: string, params: readonly unknown[] = []) => {
      onRead(sql, params);
      return inner.all<T>(sql, params);
    },
    run: (sql, params = []) => {
      onRead(sql, params);
      return inner.run(sql, params);
    },
    insertRows: (table, columns, rows, options) => inner.insertRows(table, columns, rows, options),
    insertRowsCount: (table, columns, rows, options) => inner.insertRowsCount(table, columns, rows, options),
    lockKeys: (keys) => inner.lockKeys(keys),
    inList: (column, values) => inner.inList(column, values),
  };
  const observed: SqlDriver = {
    kind: driver.kind,
    read,
    collate: driver.collate,
    forUpdate: driver.forUpdate,
    write: (fn) => driver.write(fn),
    timestamp: (value) => driver.timestamp(value),
    close: () => driver.close(),
  };
  const listen = driver.listen;
  if (listen !== undefined) observed.listen = (channel, onPayload) => listen.call(driver, channel, onPayload);
  return observed;
}

/** How many values one statement takes in an `IN` list (`SqlDb.inList`): SQLite binds each as a parameter. */
export const IN_LIST_CHUNK = 500;

/** `select` run on `values` a chunk of {@link IN_LIST_CHUNK} at a time: every chunk's rows, in order. */
export async function selectInChunks<V, R>(
  values: readonly V[],
  select: (chunk: readonly V[]) => Promise<readonly R[]>,
): Promise<R[]> {
  const rows: R[] = [];
  for (let i = 0; i < values.length; i += IN_LIST_CHUNK) {
    for (const row of await select(values.slice(i, i + IN_LIST_CHUNK))) rows.push(row);
  }
  return rows;
}

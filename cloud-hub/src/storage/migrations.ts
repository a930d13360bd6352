import type { SqliteDatabase } from './sqlite.js';

/**
 * A tiny migration runner: migration N (1-based) is the SQL that brings the
 * schema from version N-1 to N. The version lives in SQLite's `user_version`,
 * so there is no bookkeeping table, and each step commits with its bump.
 * Migrations are append-only: never edit one that has shipped.
 */
export function migrate(db: SqliteDatabase, name: string, migrations: readonly string[]): number {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > migrations.length) {
    throw new Error(`${name} is at schema version ${current}, newer than this hub knows (${migrations.length}); upgrade the hub`);
  }
  for (let version = current + 1; version <= migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version - 1]!);
      db.pragma(`user_version = ${version}`, { simple: true });
    })();
  }
  return migrations.length;
}

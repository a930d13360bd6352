import type { SqliteDatabase, Statement } from '../../storage/sqlite.js';

export const MINUTE = 60_000;

/**
 * Per series, where the two tiers of the embedded store meet:
 * - minutes below `rolledUntil` are rolled up; a sample written there later
 *   marks its minute dirty, to be rolled up again;
 * - raw samples below `rawBefore` were deleted (retention), so rollups answer
 *   for that time, and a sample written there goes straight into its rollup.
 * Kept in memory (the write path consults it per sample) and written through.
 */
export interface Tier {
  rolledUntil: number;
  rawBefore: number;
}

const NONE: Tier = Object.freeze({ rolledUntil: 0, rawBefore: 0 });

export class SeriesTiers {
  private tiers = new Map<number, Tier>();
  private readonly upsert: Statement;

  constructor(private readonly db: SqliteDatabase) {
    this.upsert = db.prepare(`INSERT INTO series_tiers (series_id, rolled_until, raw_before) VALUES (?, ?, ?)
      ON CONFLICT (series_id) DO UPDATE SET rolled_until = excluded.rolled_until, raw_before = excluded.raw_before`);
    this.reload();
  }

  get(seriesId: number): Tier {
    return this.tiers.get(seriesId) ?? NONE;
  }

  /** Call inside the transaction that did the work it records. */
  set(seriesId: number, tier: Tier): void {
    this.upsert.run(seriesId, tier.rolledUntil, tier.rawBefore);
    this.tiers.set(seriesId, { ...tier });
  }

  /** After a rollback: the database is the truth. */
  reload(): void {
    const rows = this.db.prepare<{ series_id: number; rolled_until: number; raw_before: number }>(
      'SELECT series_id, rolled_until, raw_before FROM series_tiers',
    ).all();
    this.tiers = new Map(rows.map((r) => [r.series_id, { rolledUntil: r.rolled_until, rawBefore: r.raw_before }]));
  }
}

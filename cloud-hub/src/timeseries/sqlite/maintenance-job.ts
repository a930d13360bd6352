import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { SqliteDatabase } from '../../storage/sqlite.js';
import type { Series, SeriesCatalog } from '../series-catalog.js';
import type { Rollups } from './rollups.js';
import type { SampleStaging } from './sample-staging.js';
import { MINUTE, type SeriesTiers, type Tier } from './series-tiers.js';

export interface Retention {
  /** Raw samples older than this are deleted (after they are rolled up), ms. */
  rawMs: number;
  /** Minute rollups older than this are deleted, ms. */
  rollupMs: number;
}

export interface MaintenanceReport {
  rawDeleted: number;
  rollupsDeleted: number;
  /** Dirty minutes rolled up again. */
  redone: number;
}

/** A minute is rolled up once it is this old; later samples make it dirty. */
const SETTLE_MS = MINUTE;
/** At most this much raw time of one series per step, so catching up on a long history never blocks for long. */
const MAX_WINDOW_MS = 6 * 3_600_000;
/** A step (one transaction) ends after this long; ingest runs between steps. */
const STEP_BUDGET_MS = 20;

export interface MaintenanceDeps {
  db: SqliteDatabase;
  catalog: SeriesCatalog;
  tiers: SeriesTiers;
  rollups: Rollups;
  staging: SampleStaging;
  retention: Retention;
  /** Samples older than this are not stored at all (the store reads it per write). */
  setRollupCutoff(t: number): void;
}

const floorMinute = (t: number) => t - (t % MINUTE);

/**
 * Downsampling and retention of the embedded store, run periodically: per
 * series, roll up settled minutes, roll up dirty minutes again, delete raw
 * samples past the raw retention (only once rolled up) and rollups past
 * theirs. Work is cut into short transactions with the event loop free in
 * between, so ingest waits at most about one step.
 */
export class MaintenanceJob {
  constructor(private readonly deps: MaintenanceDeps) {}

  /** `stopping` is checked between steps (the hub is shutting down): the next run carries on. */
  async run(now: number, stopping: () => boolean = () => false): Promise<MaintenanceReport> {
    const { retention } = this.deps;
    const target = floorMinute(now - SETTLE_MS);
    const rawCutoff = floorMinute(now - retention.rawMs);
    const rollupCutoff = floorMinute(now - retention.rollupMs);
    this.deps.setRollupCutoff(rollupCutoff);
    const report: MaintenanceReport = { rawDeleted: 0, rollupsDeleted: 0, redone: 0 };
    let pending = this.deps.catalog.all();
    while (pending.length > 0 && !stopping()) {
      const behind: Series[] = [];
      while (pending.length > 0 && !stopping()) {
        pending = this.step(pending, { target, rawCutoff, rollupCutoff }, report, behind);
        await nextTurn();
      }
      pending = behind;
    }
    return report;
  }

  /** Maintain series from the front of `queue` until the step budget is spent; returns the rest. */
  private step(queue: Series[], cut: Cutoffs, report: MaintenanceReport, behind: Series[]): Series[] {
    const started = performance.now();
    let done = 0;
    this.deps.db.transaction(() => {
      // Samples staged since the last step must be in `samples` before rolling up or deleting.
      this.deps.staging.flush();
      while (done < queue.length && performance.now() - started < STEP_BUDGET_MS) {
        if (!this.maintain(queue[done]!, cut, report)) behind.push(queue[done]!);
        done++;
      }
    })();
    return queue.slice(done);
  }

  /** One series; false when it has more history to roll up than one step may take. */
  private maintain(series: Series, cut: Cutoffs, report: MaintenanceReport): boolean {
    const { rollups, tiers } = this.deps;
    const numeric = series.kind === 'number';
    const tier: Tier = { ...tiers.get(series.id) };
    let caughtUp = true;
    // Jump over time without raw samples (a series that was silent for weeks costs one lookup, not weeks of windows).
    const next = rollups.firstRawTime(series.id, tier.rolledUntil);
    if (next === undefined || next >= cut.target) {
      tier.rolledUntil = Math.max(tier.rolledUntil, cut.target);
    } else {
      const start = Math.max(tier.rolledUntil, floorMinute(next));
      const until = Math.min(cut.target, start + MAX_WINDOW_MS);
      rollups.rollUp(series.id, numeric, start, until);
      tier.rolledUntil = until;
      caughtUp = until === cut.target;
    }
    for (const bucket of rollups.takeDirty(series.id)) {
      if (bucket < tier.rolledUntil) {
        rollups.rollUp(series.id, numeric, bucket, bucket + MINUTE);
        report.redone++;
      }
    }
    // Raw samples go only once their minutes are rolled up; from then on the rollups answer for that time.
    const rawCut = Math.min(cut.rawCutoff, tier.rolledUntil);
    if (rawCut > tier.rawBefore) {
      report.rawDeleted += rollups.deleteRawBefore(series.id, rawCut);
      tier.rawBefore = rawCut;
    }
    report.rollupsDeleted += rollups.deleteRollupsBefore(series.id, cut.rollupCutoff);
    const before = tiers.get(series.id);
    if (before.rolledUntil !== tier.rolledUntil || before.rawBefore !== tier.rawBefore) tiers.set(series.id, tier);
    return caughtUp;
  }
}

interface Cutoffs {
  target: number;
  rawCutoff: number;
  rollupCutoff: number;
}

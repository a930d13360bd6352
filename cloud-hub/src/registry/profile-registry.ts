import { join } from 'node:path';
import {
  BUILTIN_PROFILES_DIR, loadProfileLibrary, type DeviceProfile, type Problem, type ProfilePoint,
} from '@afferent/device-profiles';
import type { SqliteDatabase } from '../storage/sqlite.js';

export type ProfileSource = 'library' | 'api';

export interface ProfileEntry {
  profile: DeviceProfile;
  source: ProfileSource;
  /** Points by name: ingest checks every value against this. */
  points: ReadonlyMap<string, ProfilePoint>;
}

function entry(profile: DeviceProfile, source: ProfileSource): ProfileEntry {
  return { profile, source, points: new Map(profile.points.map((p) => [p.name, p])) };
}

/**
 * The profiles the hub knows: the built-in library, the configured extra
 * folders, and (later) profiles uploaded through the API. All are mirrored in
 * registry.db's `profiles` table; lookups are served from memory.
 */
export class ProfileRegistry {
  /** name → version → entry */
  private readonly byName = new Map<string, Map<number, ProfileEntry>>();

  constructor(private readonly db: SqliteDatabase) {}

  /**
   * Load the built-in library and then each extra folder; a profile in a later
   * folder replaces one of the same name and version from an earlier one (a
   * site can fix a vendor profile without forking the library). Returns the
   * problems of files that did not load; the good files load regardless.
   */
  loadLibrary(extraDirs: readonly string[] = []): Problem[] {
    const problems: Problem[] = [];
    const library = new Map<string, DeviceProfile>();
    for (const dir of [BUILTIN_PROFILES_DIR, ...extraDirs]) {
      const loaded = loadProfileLibrary(dir);
      problems.push(...loaded.problems.map((p) => ({ ...p, source: p.source ? join(dir, p.source) : dir })));
      for (const profile of loaded.profiles.values()) library.set(`${profile.profile}@${profile.version}`, profile);
    }
    this.db.transaction(() => {
      // The library on disk is the truth: rows of files that were removed go too.
      this.db.prepare("DELETE FROM profiles WHERE source = 'library'").run();
      const insert = this.db.prepare("INSERT OR IGNORE INTO profiles (name, version, source, body) VALUES (?, ?, 'library', ?)");
      for (const profile of library.values()) insert.run(profile.profile, profile.version, JSON.stringify(profile));
    })();
    this.reload();
    return problems;
  }

  /** The given version when the hub has it, else the newest. */
  get(name: string, version?: number | null): ProfileEntry | undefined {
    const versions = this.byName.get(name);
    if (!versions) return undefined;
    if (version !== undefined && version !== null) {
      const exact = versions.get(version);
      if (exact) return exact;
    }
    return versions.get(Math.max(...versions.keys()));
  }

  /** The newest version of every profile, by name. */
  list(): ProfileEntry[] {
    return [...this.byName.keys()].sort().map((name) => this.get(name)!);
  }

  private reload(): void {
    this.byName.clear();
    const rows = this.db.prepare<{ name: string; version: number; source: ProfileSource; body: string }>(
      'SELECT name, version, source, body FROM profiles',
    ).all();
    for (const row of rows) {
      let versions = this.byName.get(row.name);
      if (!versions) this.byName.set(row.name, (versions = new Map()));
      versions.set(row.version, entry(JSON.parse(row.body) as DeviceProfile, row.source));
    }
  }
}

/**
 * Some problems repeat with every batch (a point the profile lacks arrives
 * every second): they are counted every time but logged once per key, so the
 * log stays readable. The memory is bounded; when full it starts over, which
 * at worst logs a key again.
 */
export class WarnOnce {
  private readonly seen = new Set<string>();
  constructor(private readonly capacity = 10_000) {}

  /** The keys not warned about yet, now remembered. */
  filter(keys: readonly string[]): string[] {
    const fresh: string[] = [];
    for (const key of keys) {
      if (this.seen.has(key)) continue;
      if (this.seen.size >= this.capacity) this.seen.clear();
      this.seen.add(key);
      fresh.push(key);
    }
    return fresh;
  }
}

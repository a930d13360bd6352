/**
 * timeseries.db, one migration per entry (append only).
 *
 * Samples are keyed (series_id, t) in a WITHOUT ROWID table: the primary key
 * is the storage order, so a range query over one series reads contiguous
 * pages, and re-inserting an identical sample is a no-op by construction.
 *
 * The ingest ledger (batches already stored, and each outbox's `low`) lives in
 * this database on purpose: samples and "this batch is stored" commit in one
 * transaction, so the hub never acks a batch it could lose nor stores one twice.
 *
 * Migration 2 (see sqlite/ and influx/ for who uses what):
 * - `samples_staged`: the embedded store's write buffer. New samples are
 *   appended in arrival order (a commit touches a few pages at the end, not one
 *   page per series) and moved into `samples` in key order in bulk.
 * - `rollups`: one row per series per minute (count, sum, min, max, first,
 *   last), kept longer than raw samples; `rollup_dirty` names minutes that got
 *   late samples after they were rolled up; `series_tiers` says, per series,
 *   how far rollups reach and below which raw samples are gone.
 * - `spill`: lines waiting to be shipped to InfluxDB, written in the ingest
 *   transaction; AUTOINCREMENT so ids only grow (the drainer claims by id).
 *   `spill_rejected` keeps lines InfluxDB refused as invalid (never dropped).
 */
export const TIMESERIES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE series (
    id     INTEGER PRIMARY KEY,
    device TEXT NOT NULL,
    point  TEXT NOT NULL,
    kind   TEXT NOT NULL CHECK (kind IN ('number', 'bool', 'string')),
    UNIQUE (device, point)
  );
  CREATE TABLE samples (
    series_id INTEGER NOT NULL,
    t         INTEGER NOT NULL,
    value     NOT NULL,                 -- no declared type, so no affinity: "9600" stays text (REAL, 0/1 for bool, TEXT)
    PRIMARY KEY (series_id, t)
  ) WITHOUT ROWID;
  CREATE TABLE latest (
    device TEXT NOT NULL,
    point  TEXT NOT NULL,
    t      INTEGER NOT NULL,
    value  NOT NULL,
    kind   TEXT NOT NULL,
    PRIMARY KEY (device, point)
  ) WITHOUT ROWID;
  CREATE TABLE ingested_batches (
    gateway TEXT NOT NULL,
    epoch   TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    stored  INTEGER NOT NULL,
    PRIMARY KEY (gateway, epoch, seq)
  ) WITHOUT ROWID;
  CREATE TABLE ingest_low (
    gateway TEXT NOT NULL,
    epoch   TEXT NOT NULL,
    low     INTEGER NOT NULL,           -- every seq below was acked and will never be sent again
    PRIMARY KEY (gateway, epoch)
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE samples_staged (
    series_id INTEGER NOT NULL,
    t         INTEGER NOT NULL,
    value     NOT NULL
  );
  CREATE TABLE rollups (
    series_id INTEGER NOT NULL,
    bucket    INTEGER NOT NULL,         -- start of the minute, ms
    count     INTEGER NOT NULL,
    sum       REAL,                     -- sum, min, max: number series only
    min       REAL,
    max       REAL,
    first_t   INTEGER NOT NULL,
    first     NOT NULL,
    last_t    INTEGER NOT NULL,
    last      NOT NULL,
    PRIMARY KEY (series_id, bucket)
  ) WITHOUT ROWID;
  CREATE TABLE rollup_dirty (
    series_id INTEGER NOT NULL,
    bucket    INTEGER NOT NULL,
    PRIMARY KEY (series_id, bucket)
  ) WITHOUT ROWID;
  CREATE TABLE series_tiers (
    series_id    INTEGER PRIMARY KEY,
    rolled_until INTEGER NOT NULL,      -- minutes below are rolled up (except those in rollup_dirty)
    raw_before   INTEGER NOT NULL       -- raw samples below were deleted; rollups answer for them
  );
  CREATE TABLE spill (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    line     TEXT NOT NULL,             -- InfluxDB line protocol, one reading (device, time)
    points   INTEGER NOT NULL,
    enqueued INTEGER NOT NULL
  );
  CREATE TABLE spill_rejected (
    id       INTEGER PRIMARY KEY,
    line     TEXT NOT NULL,
    status   INTEGER,
    error    TEXT NOT NULL,
    rejected INTEGER NOT NULL
  );
  `,
  // Latest values keyed by series id: the upsert per series per commit was a third of the write cost with text keys.
  // `latest` stays as a view, for people and tools reading the database.
  `
  CREATE TABLE latest_values (
    series_id INTEGER PRIMARY KEY,
    t         INTEGER NOT NULL,
    value     NOT NULL
  );
  INSERT INTO latest_values (series_id, t, value)
    SELECT s.id, l.t, l.value FROM latest l JOIN series s ON s.device = l.device AND s.point = l.point;
  DROP TABLE latest;
  CREATE VIEW latest AS
    SELECT s.device AS device, s.point AS point, v.t AS t, v.value AS value, s.kind AS kind
    FROM latest_values v JOIN series s ON s.id = v.series_id;
  `,
];

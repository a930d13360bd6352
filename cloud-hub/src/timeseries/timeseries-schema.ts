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
];

/**
 * registry.db, one migration per entry (append only; see storage/migrations.ts).
 * Small tables keyed by text ids; times are ms since the epoch.
 */
export const REGISTRY_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE gateways (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL,          -- scrypt$N$r$p$salt$hash of the MQTT password
    enabled     INTEGER NOT NULL DEFAULT 1,
    created     INTEGER NOT NULL,
    last_seen   INTEGER,
    online      INTEGER NOT NULL DEFAULT 0,
    status      TEXT                    -- JSON: the last status message (version, backlog, device health)
  );
  CREATE TABLE devices (
    id              TEXT PRIMARY KEY,   -- unique across the hub
    gateway_id      TEXT NOT NULL REFERENCES gateways(id),
    profile         TEXT NOT NULL,      -- 'unknown' when only telemetry has been seen
    profile_version INTEGER,
    protocol        TEXT,
    labels          TEXT NOT NULL DEFAULT '{}',
    first_seen      INTEGER NOT NULL,
    last_seen       INTEGER             -- newest sample time received
  );
  CREATE INDEX devices_by_gateway ON devices(gateway_id);
  CREATE TABLE profiles (
    name    TEXT NOT NULL,
    version INTEGER NOT NULL,
    source  TEXT NOT NULL CHECK (source IN ('library', 'api')),
    body    TEXT NOT NULL,              -- JSON of the profile
    PRIMARY KEY (name, version)
  );
  CREATE TABLE api_tokens (
    hash    TEXT PRIMARY KEY,           -- SHA-256 hex of the token
    role    TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    name    TEXT NOT NULL,
    created INTEGER NOT NULL,
    revoked INTEGER                     -- when, or NULL while valid
  );
  `,
  `
  -- A gateway gets its MQTT password by exchanging a one-time provisioning token:
  -- until then (and after a rotation) secret_hash is '' and no password matches.
  ALTER TABLE gateways ADD COLUMN labels TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE gateways ADD COLUMN location TEXT;       -- JSON {lat, lon}
  ALTER TABLE gateways ADD COLUMN config_applied INTEGER; -- the desired config version the gateway last applied
  ALTER TABLE gateways ADD COLUMN config_state TEXT;   -- JSON: the last config-state it reported (applied or rejected, why)
  ALTER TABLE devices ADD COLUMN location TEXT;        -- JSON {lat, lon}, from the gateway's inventory
  CREATE TABLE provisioning_tokens (
    hash       TEXT PRIMARY KEY,       -- SHA-256 hex of the token's secret
    gateway_id TEXT NOT NULL REFERENCES gateways(id),
    created    INTEGER NOT NULL,
    expires    INTEGER NOT NULL,
    used       INTEGER                 -- when it was exchanged; NULL while unused
  );
  CREATE INDEX provisioning_tokens_by_gateway ON provisioning_tokens(gateway_id);
  CREATE TABLE gateway_configs (
    gateway_id TEXT NOT NULL REFERENCES gateways(id),
    version    INTEGER NOT NULL,
    devices    TEXT NOT NULL,          -- JSON: the device list as the admin wrote it (templates not expanded)
    published  TEXT NOT NULL,          -- JSON: the desired config as published to the gateway ({version, devices, profiles})
    created    INTEGER NOT NULL,
    created_by TEXT NOT NULL,          -- the API token's name
    PRIMARY KEY (gateway_id, version)
  );
  `,
  `
  -- Tenants (city departments, customers) isolate gateways and everything under them, and API tokens.
  -- Every gateway that existed before belongs to the tenant 'default'.
  CREATE TABLE tenants (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    created INTEGER NOT NULL
  );
  INSERT INTO tenants (id, name, created) VALUES ('default', 'default', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
  -- Given at creation, never changed. No REFERENCES: SQLite cannot add one with a non-NULL default; the hub checks it.
  ALTER TABLE gateways ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
  CREATE INDEX gateways_by_tenant ON gateways(tenant_id);
  -- API tokens get an id (to list and revoke them by), a tenant, an expiry and their last use.
  -- Admin tokens that existed before (the bootstrap admin) become platform tokens; the others join 'default',
  -- which is all they could see before.
  CREATE TABLE api_tokens_v2 (
    id         TEXT PRIMARY KEY,                  -- 16 hex digits, not secret
    hash       TEXT NOT NULL UNIQUE,              -- SHA-256 hex of the token
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    tenant_id  TEXT REFERENCES tenants(id),       -- NULL: a platform token (sees every tenant)
    created    INTEGER NOT NULL,
    created_by TEXT,                              -- the id of the token that created it; NULL: the hub (bootstrap)
    expires    INTEGER,                           -- NULL: never
    last_used  INTEGER,                           -- to the minute
    revoked    INTEGER                            -- when, or NULL while valid
  );
  INSERT INTO api_tokens_v2 (id, hash, name, role, tenant_id, created, revoked)
    SELECT lower(hex(randomblob(8))), hash, name, role, CASE role WHEN 'admin' THEN NULL ELSE 'default' END, created, revoked FROM api_tokens;
  DROP TABLE api_tokens;
  ALTER TABLE api_tokens_v2 RENAME TO api_tokens;
  CREATE INDEX api_tokens_by_tenant ON api_tokens(tenant_id);
  -- Who did what to which, with what outcome. Written in the transaction of the action it records.
  CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    t         INTEGER NOT NULL,
    actor_id  TEXT,                               -- the API token's id
    actor     TEXT NOT NULL,                      -- the API token's name
    tenant_id TEXT,                               -- the tenant the action concerns; NULL: the platform
    action    TEXT NOT NULL,                      -- e.g. gateway.create, token.revoke
    target    TEXT,                               -- e.g. the gateway or token id
    outcome   TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
    details   TEXT                                -- JSON, never a secret
  );
  CREATE INDEX audit_by_time ON audit(t);
  CREATE INDEX audit_by_tenant ON audit(tenant_id, t);
  `,
];

import type { TokenRegistry } from '../registry/token-registry.js';

/** Long enough that storing it as a plain SHA-256 (see credentials.ts) stays safe. */
const MIN_LENGTH = 24;

/**
 * The first admin token. With AFFERENT_ADMIN_TOKEN set, its hash is stored
 * (once) as the bootstrap admin token, a platform token (it sees every
 * tenant). Without it, a hub whose registry has no working platform admin
 * token generates one and returns it so the caller can show it once;
 * on later starts nothing is generated and the stored hash keeps working.
 * The token never goes through the logger.
 */
export function bootstrapAdminToken(tokens: TokenRegistry, fromEnv: string | undefined): { generated?: string } {
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_LENGTH) {
      throw new Error(`AFFERENT_ADMIN_TOKEN is too short: use at least ${MIN_LENGTH} random characters (e.g. openssl rand -base64 32)`);
    }
    tokens.ensure(fromEnv, 'admin', 'AFFERENT_ADMIN_TOKEN');
    return {};
  }
  if (tokens.hasActivePlatformAdmin()) return {};
  return { generated: tokens.create('admin', 'bootstrap admin').token };
}

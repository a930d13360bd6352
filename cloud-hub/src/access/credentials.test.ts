import { describe, expect, it } from 'vitest';
import { generateSecret, hashSecret, verifySecret } from './credentials.js';

describe('credentials', () => {
  it('generates 256-bit base64url secrets that never start with "-" (a command line would take them for an option)', () => {
    // One in 64 would start with "-" if nothing prevented it: 5,000 draws all miss by chance with probability ~1e-34.
    const secrets = Array.from({ length: 5000 }, generateSecret);
    expect(secrets.filter((s) => s.startsWith('-'))).toEqual([]);
    expect(secrets.every((s) => /^[A-Za-z0-9_-]{43}$/.test(s))).toBe(true);
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  it('verifies a secret against its salted hash and nothing else', async () => {
    const secret = generateSecret();
    const hash = await hashSecret(secret);
    expect(hash).not.toContain(secret);
    expect(await verifySecret(secret, hash)).toBe(true);
    expect(await verifySecret(generateSecret(), hash)).toBe(false);
  });
});

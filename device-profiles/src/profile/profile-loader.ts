import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { ValidationError, type Problem } from '../validation/problem.js';
import { checkSchema } from '../validation/schema-check.js';
import { locateProblems, parseYamlSource } from '../validation/yaml-document.js';
import { checkProfile } from './profile-check.js';
import { DeviceProfileSchema, type DeviceProfile } from './profile-schema.js';

/**
 * The profiles shipped with Afferent: `device-profiles/profiles/`. Found
 * through the package rather than relative to this file, so that code bundled
 * elsewhere (the agent's bundle) finds them too.
 */
export const BUILTIN_PROFILES_DIR = join(dirname(createRequire(import.meta.url).resolve('@afferent/device-profiles/package.json')), 'profiles');

/** Validate a profile that is already a value (parsed JSON from the API, say). */
export function validateProfile(value: unknown): { profile: DeviceProfile; problems: [] } | { profile?: undefined; problems: Problem[] } {
  const schemaProblems = checkSchema(DeviceProfileSchema, value);
  if (schemaProblems.length > 0) return { problems: schemaProblems };
  const profile = value as DeviceProfile;
  const problems = checkProfile(profile);
  return problems.length > 0 ? { problems } : { profile, problems: [] };
}

/** Parse and validate a profile from YAML (or JSON) text; throws ValidationError naming file, line and field. */
export function parseProfile(text: string, source: string): DeviceProfile {
  const { doc, problems: syntax } = parseYamlSource(text, source);
  if (!doc) throw new ValidationError(`profile ${source}`, syntax);
  const { profile, problems } = validateProfile(doc.value);
  if (!profile) throw new ValidationError(`profile ${source}`, locateProblems(doc, problems));
  return profile;
}

export function loadProfileFile(path: string, source = path): DeviceProfile {
  return parseProfile(readFileSync(path, 'utf8'), source);
}

export interface ProfileLibrary {
  profiles: Map<string, DeviceProfile>;
  /** Where each profile came from, relative to the library folder. */
  sources: Map<string, string>;
  /** Files that did not load; the rest of the library still does. */
  problems: Problem[];
}

/** Every `*.yaml` / `*.yml` under a folder, by profile name. One bad file never hides the others. */
export function loadProfileLibrary(dir: string = BUILTIN_PROFILES_DIR): ProfileLibrary {
  const library: ProfileLibrary = { profiles: new Map(), sources: new Map(), problems: [] };
  for (const file of listYamlFiles(dir)) {
    const source = relative(dir, file);
    try {
      const profile = loadProfileFile(file, source);
      const earlier = library.sources.get(profile.profile);
      if (earlier) {
        library.problems.push({ source, path: ['profile'], message: `profile "${profile.profile}" is already defined in ${earlier}` });
        continue;
      }
      library.profiles.set(profile.profile, profile);
      library.sources.set(profile.profile, source);
    } catch (error) {
      if (error instanceof ValidationError) library.problems.push(...error.problems);
      else library.problems.push({ source, path: [], message: (error as Error).message });
    }
  }
  return library;
}

function listYamlFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...listYamlFiles(path));
    else if (/\.ya?ml$/.test(entry)) files.push(path);
  }
  return files;
}

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadProfileLibrary, type Problem } from '@afferent/device-profiles';
import { checkHubConfigText } from './hub-config.js';

/**
 * `cloud-hub check-config`: every problem in the file, and in the profiles of
 * the folders it names, so a field engineer fixes them all in one go rather
 * than one per restart. (At run time a bad profile file is only a warning: the
 * hub still starts with the good ones.)
 */
export function checkHubConfigFile(path: string, source = path): Problem[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return [{ source, path: [], message: `cannot read: ${(error as Error).message}` }];
  }
  const fileDir = dirname(resolve(path));
  const { config, problems } = checkHubConfigText(text, source, fileDir);
  if (!config) return problems;
  const profileProblems: Problem[] = [];
  for (const dir of config.profileDirs ?? []) {
    const folder = resolve(fileDir, dir);
    if (!existsSync(folder)) continue; // already reported by checkHubConfigText
    for (const problem of loadProfileLibrary(folder).problems) {
      profileProblems.push({ ...problem, source: problem.source ? join(folder, problem.source) : folder });
    }
  }
  return [...problems, ...profileProblems];
}

import { Type } from 'typebox';

/** `key:value` pairs separated by commas, in a query string: how every listing selects by label. */
const LABEL = '[A-Za-z0-9_.-]{1,64}:[^,]{0,256}';

export function labelQuerySchema(description: string) {
  return Type.String({
    pattern: `^${LABEL}(,${LABEL}){0,9}$`,
    expected: 'label:value pairs separated by commas, e.g. site:plant-a,line:2',
    description,
  });
}

export function parseLabelQuery(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const colon = pair.indexOf(':');
    labels[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  return labels;
}

import { DeviceProfileSchema } from '@afferent/device-profiles';
import { Type } from 'typebox';
import type { ApiDeps, HubFastify } from './api-deps.js';
import { NameParamsSchema, ProfileSummarySchema } from './api-schemas.js';
import { ApiError, errorResponses } from './errors.js';

export function registerProfileRoutes(app: HubFastify, deps: ApiDeps): void {
  const { profiles } = deps.registry;

  app.get('/api/v1/profiles', {
    schema: {
      tags: ['profiles'],
      summary: 'The device profiles the hub knows (newest version of each)',
      response: { 200: Type.Object({ profiles: Type.Array(ProfileSummarySchema) }), ...errorResponses(401, 403) },
    },
  }, async () => ({
    profiles: profiles.list().map(({ profile, source }) => ({
      name: profile.profile,
      version: profile.version,
      source,
      protocol: profile.protocol,
      points: profile.points.length,
      ...(profile.manufacturer !== undefined ? { manufacturer: profile.manufacturer } : {}),
      ...(profile.model !== undefined ? { model: profile.model } : {}),
      ...(profile.description !== undefined ? { description: profile.description } : {}),
    })),
  }));

  app.get('/api/v1/profiles/:name', {
    schema: {
      tags: ['profiles'],
      summary: 'One profile, as JSON (the same format as the YAML files)',
      params: NameParamsSchema,
      response: { 200: DeviceProfileSchema, ...errorResponses(401, 403, 404) },
    },
  }, async (request) => {
    const entry = profiles.get(request.params.name);
    if (!entry) throw new ApiError('profile_not_found', `no profile ${JSON.stringify(request.params.name)}`);
    return entry.profile;
  });
}

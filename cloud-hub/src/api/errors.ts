import { Type, type Static } from 'typebox';

/**
 * Every error the API answers, in one place: a stable code for programs, an
 * HTTP status, and a default message for people. Every error response has the
 * same shape, `{ error: { code, message } }`, including validation failures
 * and unknown routes.
 */
export const ERROR_CATALOGUE = {
  invalid_request: { status: 400, message: 'the request is not valid' },
  unauthorized: { status: 401, message: 'a valid bearer token is required: send "Authorization: Bearer <token>"' },
  forbidden: { status: 403, message: 'this token\'s role may not do that' },
  not_found: { status: 404, message: 'no such route' },
  device_not_found: { status: 404, message: 'no such device' },
  profile_not_found: { status: 404, message: 'no such profile' },
  gateway_not_found: { status: 404, message: 'no such gateway' },
  gateway_exists: { status: 409, message: 'a gateway with this id already exists' },
  tenant_not_found: { status: 404, message: 'no such tenant' },
  tenant_exists: { status: 409, message: 'a tenant with this id already exists' },
  token_not_found: { status: 404, message: 'no such API token' },
  gateway_disabled: { status: 403, message: 'the gateway is disabled' },
  provisioning_token_invalid: { status: 401, message: 'not a provisioning token of this hub' },
  provisioning_token_used: { status: 410, message: 'the provisioning token was used already; an admin can issue a new one (rotate)' },
  provisioning_token_expired: { status: 410, message: 'the provisioning token expired; an admin can issue a new one (rotate)' },
  invalid_config: { status: 400, message: 'the configuration is not valid' },
  command_not_found: { status: 404, message: 'no such command' },
  unknown_point: { status: 400, message: 'the device\'s profile has no such point' },
  point_not_writable: { status: 400, message: 'the point is read-only' },
  invalid_value: { status: 400, message: 'the value does not fit the point\'s type, range or enum' },
  profile_unknown: { status: 409, message: 'the hub does not know the device\'s profile, so it cannot check a write' },
  command_not_cancellable: { status: 409, message: 'the command has left the hub or is finished' },
  idempotency_conflict: { status: 409, message: 'this idempotency key was used for a different command' },
  alarm_not_found: { status: 404, message: 'no such alarm' },
  alarm_already_acknowledged: { status: 409, message: 'the alarm is already acknowledged' },
  alarm_not_active: { status: 409, message: 'the alarm is not active' },
  rate_limited: { status: 429, message: 'too many requests; try again after the time Retry-After gives' },
  payload_too_large: { status: 413, message: 'the request body is too large' },
  unsupported_media_type: { status: 415, message: 'send the body as application/json' },
  internal: { status: 500, message: 'internal error; the hub log has the details' },
  timeseries_unavailable: { status: 503, message: 'the time series store does not answer now; try again later' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class ApiError extends Error {
  readonly status: number;
  constructor(readonly code: ErrorCode, message: string = ERROR_CATALOGUE[code].message) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_CATALOGUE[code].status;
  }
}

export const ErrorResponseSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: `one of: ${Object.keys(ERROR_CATALOGUE).join(', ')}` }),
      message: Type.String(),
    }),
  },
  { description: 'Every error has this shape.' },
);
export type ErrorResponse = Static<typeof ErrorResponseSchema>;

export function errorBody(code: ErrorCode, message: string = ERROR_CATALOGUE[code].message): ErrorResponse {
  return { error: { code, message } };
}

/** Error responses for a route's OpenAPI entry, by status. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorResponseSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorResponseSchema]));
}

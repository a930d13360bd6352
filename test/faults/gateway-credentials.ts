import { createGateway, type HubProcess } from '../../bench/src/stack/stack.js';

/**
 * The one place the fault tests get a gateway admitted: what goes into the
 * agent's `hub:` section besides the url. Today a password issued by
 * `POST /api/v1/gateways`; when gateways are provisioned with one-time tokens,
 * change this function and nothing else.
 */
export async function admitGateway(hub: HubProcess, id: string): Promise<Record<string, string>> {
  return { password: await createGateway(hub, id) };
}

/**
 * A gateway created through a hub's API and provisioned with its one-time
 * token, as an admin and `edge-agent provision` would: its MQTT credentials.
 * For hubs that run without TLS (tests and benchmarks on loopback), so the
 * exchange goes over plain HTTP, which `edge-agent provision` never does.
 */
export async function provisionGateway(apiUrl: string, adminToken: string, id: string): Promise<{ url: string; username: string; password: string }> {
  const created = await fetch(`${apiUrl}/api/v1/gateways`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id }),
  });
  if (created.status !== 201) throw new Error(`creating gateway ${id}: ${created.status} ${await created.text()}`);
  const { provisioning } = (await created.json()) as { provisioning: { token: string } };
  const exchanged = await fetch(`${apiUrl}/api/v1/provision`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: provisioning.token }),
  });
  if (exchanged.status !== 200) throw new Error(`provisioning gateway ${id}: ${exchanged.status} ${await exchanged.text()}`);
  return ((await exchanged.json()) as { mqtt: { url: string; username: string; password: string } }).mqtt;
}

import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Aedes } from 'aedes';

/**
 * A plant's own MQTT broker, in software: where simulated MQTT devices
 * publish and an agent subscribes. Not Afferent's hub broker. It refuses
 * anonymous clients like any broker worth the name; the credentials are made
 * per start and handed to the devices and the agent.
 */
export interface SiteBroker {
  url: string;
  username: string;
  password: string;
  close(): Promise<void>;
}

export async function startSiteBroker(options: { host?: string; port?: number; username?: string; password?: string } = {}): Promise<SiteBroker> {
  const username = options.username ?? 'site';
  const password = options.password ?? randomBytes(12).toString('base64url');
  const broker = await Aedes.createBroker({
    authenticate: (_client, user, pass, done) => done(null, user === username && pass?.toString() === password),
  });
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  return {
    url: `mqtt://${host}:${(server.address() as AddressInfo).port}`,
    username,
    password,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

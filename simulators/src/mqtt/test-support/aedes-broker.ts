import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Aedes } from 'aedes';

export interface TestBroker {
  url: string;
  broker: Aedes;
  close(): Promise<void>;
}

/** An in-process aedes broker on a free loopback port; with `users`, only they may connect. */
export async function startTestBroker(users?: Record<string, string>): Promise<TestBroker> {
  const broker = await Aedes.createBroker({
    ...(users && {
      authenticate: (_client, username, password, done) => done(null, username !== undefined && users[username] === password?.toString()),
    }),
  });
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    broker,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

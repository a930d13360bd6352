import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP relay on loopback that a test opens and holds: while held, new
 * connections wait (their bytes buffered, nothing answered); when opened, they
 * and every later one are piped to the target port. A client that always
 * dials the gate (an agent's hub URL) thus reconnects exactly when the test
 * is ready, and the target behind it may change (a restarted server on a new
 * port). It relays bytes; it knows nothing of the protocol.
 */
export interface TcpGate {
  port: number;
  /** Drop every relayed connection and hold new ones. */
  hold(): void;
  /** Relay held and new connections to `port`. */
  open(port: number): void;
  close(): Promise<void>;
}

export async function startTcpGate(): Promise<TcpGate> {
  let target: number | undefined;
  const held: Socket[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const relay = (client: Socket, port: number) => {
    const upstream = connect(port, '127.0.0.1');
    track(upstream);
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const server = createServer((client) => {
    track(client);
    if (target === undefined) {
      client.pause();
      held.push(client);
    } else relay(client, target);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    hold() {
      target = undefined;
      for (const socket of sockets) socket.destroy();
    },
    open(port) {
      target = port;
      for (const client of held.splice(0)) if (!client.destroyed) relay(client, port);
    },
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

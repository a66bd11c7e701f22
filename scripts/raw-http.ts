import net from 'node:net';

/** An HTTP/1.1 answer: status, headers by lower-case name (each a list), and the body as text. */
export interface RawReply {
  status: number;
  headers: Map<string, string[]>;
  body: string;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * One keep-alive HTTP/1.1 connection that sends a request and waits for its answer, one at a
 * time: the least client CPU a load generator can spend beside the service it measures on the
 * same cores (node:http's client costs several times more per request). Bodies must come with
 * a content-length, as the service's do.
 */
export class RawHttpConnection {
  private readonly socket: net.Socket;
  private received: Buffer = Buffer.alloc(0);
  private waiting:
    { resolve: (reply: RawReply) => void; reject: (error: Error) => void } | undefined;

  constructor(
    private readonly host: string,
    port: number,
  ) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => {
      this.received = this.received.length ? Buffer.concat([this.received, chunk]) : chunk;
      this.answer();
    });
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  /** Sends one request; `headers` must not name host, content-length or connection. */
  request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body = '',
  ): Promise<RawReply> {
    if (this.waiting) throw new Error('one request at a time on a connection');
    const lines = [`${method} ${path} HTTP/1.1`, `host: ${this.host}`];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    if (body || method !== 'GET') lines.push(`content-length: ${Buffer.byteLength(body)}`);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  /** Answers the waiting request once its whole reply has arrived. */
  private answer(): void {
    const headEnd = this.received.indexOf(HEAD_END);
    if (headEnd < 0 || !this.waiting) return;
    const [statusLine = '', ...fields] = this.received
      .subarray(0, headEnd)
      .toString('latin1')
      .split('\r\n');
    const headers = new Map<string, string[]>();
    for (const field of fields) {
      const colon = field.indexOf(':');
      const name = field.slice(0, colon).trim().toLowerCase();
      headers.set(name, [...(headers.get(name) ?? []), field.slice(colon + 1).trim()]);
    }
    if (headers.has('transfer-encoding'))
      return this.fail(new Error('chunked replies are not read'));
    const length = Number(headers.get('content-length')?.[0] ?? 0);
    const end = headEnd + HEAD_END.length + length;
    if (this.received.length < end) return;
    const body = this.received.subarray(headEnd + HEAD_END.length, end).toString('utf8');
    this.received = this.received.subarray(end);
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }
}

/**
 * A small keep-alive HTTP client for load runs against the presence server: `node:http`
 * with one agent (several times cheaper per request than `fetch`), and the two requests a
 * load run makes — `PUT /presence` and a long-polling `/sync`.
 *
 * @example
 * ```ts
 * const client = new LoadClient('http://127.0.0.1:8008');
 * await client.putPresence('@u1:hs', 'token-1', 'online', 's17');
 * const body = await client.sync('token-1', { since, timeoutMs: 30_000 });
 * client.close();
 * ```
 * @module
 */
import http from 'node:http';

/** A reply: status and text. */
export interface Reply {
  readonly status: number;
  readonly text: string;
}

/** The parts of a `/sync` answer a load run reads. */
export interface SyncBody {
  readonly next_batch: string;
  readonly presence: {
    readonly events: readonly {
      readonly sender: string;
      readonly content: { readonly presence: string; readonly status_msg?: string };
    }[];
  };
}

/** Keep-alive client for one server. */
export class LoadClient {
  readonly #host: string;
  readonly #port: number;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

  constructor(baseUrl: string) {
    const url = new URL(baseUrl);
    this.#host = url.hostname;
    this.#port = Number(url.port);
  }

  /** One request; rejects on network errors only. */
  request(method: string, path: string, token: string, body?: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { authorization: `Bearer ${token}` };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = http.request(
        { host: this.#host, port: this.#port, method, path, agent: this.#agent, headers },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** `PUT /presence/{userId}/status`; resolves to the status code. */
  async putPresence(
    userId: string,
    token: string,
    presence: string,
    statusMsg: string,
  ): Promise<number> {
    const reply = await this.request(
      'PUT',
      `/_matrix/client/v3/presence/${encodeURIComponent(userId)}/status`,
      token,
      JSON.stringify({ presence, status_msg: statusMsg }),
    );
    return reply.status;
  }

  /** `GET /sync` with `set_presence=offline` (the sync itself changes nothing). */
  async sync(
    token: string,
    options: { since?: string | undefined; timeoutMs?: number } = {},
  ): Promise<SyncBody> {
    const query = new URLSearchParams({
      timeout: String(options.timeoutMs ?? 0),
      set_presence: 'offline',
    });
    if (options.since !== undefined) query.set('since', options.since);
    const reply = await this.request('GET', `/_matrix/client/v3/sync?${query}`, token);
    if (reply.status !== 200) throw new Error(`sync answered ${reply.status}: ${reply.text}`);
    return JSON.parse(reply.text) as SyncBody;
  }

  /** Closes the kept-alive sockets. */
  close(): void {
    this.#agent.destroy();
  }
}

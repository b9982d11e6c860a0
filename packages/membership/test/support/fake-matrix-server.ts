/**
 * A real HTTP server on 127.0.0.1 (random port) speaking the Matrix endpoints the HTTP
 * adapter reads, backed by an `InMemoryMembership`, with faults that can be switched on per
 * room (or for every request): error statuses, 429 with hints, hanging handlers, garbage,
 * oversized and wrongly shaped bodies, dropped connections. Every request is recorded so
 * tests can count attempts instead of timing them.
 *
 * @example
 * ```ts
 * const server = await FakeMatrixServer.start({ membership });
 * server.inject({ type: 'status', status: 500 }, { roomId: '!a:hs', times: 2 });
 * // ... use server.url ...
 * await server.close();
 * ```
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InMemoryMembership } from '../../src/index.ts';

/** What the server does instead of answering normally. */
export type Fault =
  /** Answers this status, with a Matrix error body (or `body`) and extra headers. */
  | {
      readonly type: 'status';
      readonly status: number;
      readonly body?: unknown;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** Never answers (the connection stays open until the server closes). */
  | { readonly type: 'hang' }
  /** Answers 200 with this text as the body. */
  | { readonly type: 'raw'; readonly body: string }
  /** Answers 200 with this value as JSON. */
  | { readonly type: 'json'; readonly body: unknown }
  /** Answers 200 with a JSON body of about `bytes` bytes, streamed, with or without a length. */
  | { readonly type: 'oversized'; readonly bytes: number; readonly declareLength: boolean }
  /** Destroys the connection without answering (a network error for the client). */
  | { readonly type: 'destroy' }
  /** Waits `ms`, then answers normally (to keep requests in flight). */
  | { readonly type: 'delay'; readonly ms: number };

/** One request the server received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  /** The decoded room ID of a room endpoint. */
  readonly roomId: string | undefined;
  /** The decoded user ID of a user endpoint. */
  readonly userId: string | undefined;
}

/** Options of {@link FakeMatrixServer.start}. */
export interface FakeMatrixServerOptions {
  /** Where members come from; mutate it to change what the server answers. */
  readonly membership: InMemoryMembership;
  /** A user token and the user it belongs to. Default `user-token` for `@observer:<server>`. */
  readonly user?: { readonly token: string; readonly userId: string };
  /** The admin token. Default `admin-token`. */
  readonly adminToken?: string;
  /** The application service token. Default `as-token`; it may assert any `user_id`. */
  readonly asToken?: string;
  /** The client API acts as if the requesting user were joined to every room. Default false. */
  readonly requesterSeesAllRooms?: boolean;
  /** The profile served for each member. Default: null display name and avatar. */
  readonly profileOf?: (userId: string) => unknown;
}

interface ArmedFault {
  readonly fault: Fault;
  readonly roomId: string | undefined;
  readonly userId: string | undefined;
  remaining: number;
}

const CLIENT_MEMBERS = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/joined_members$/;
const CLIENT_JOINED_ROOMS = /^\/_matrix\/client\/v3\/joined_rooms$/;
const ADMIN_MEMBERS = /^\/_synapse\/admin\/v1\/rooms\/([^/]+)\/members$/;
const ADMIN_JOINED_ROOMS = /^\/_synapse\/admin\/v1\/users\/([^/]+)\/joined_rooms$/;

function sendJson(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function matrixError(res: ServerResponse, status: number, errcode: string, error: string): void {
  sendJson(res, status, { errcode, error });
}

/** A fake homeserver; see the module documentation. */
export class FakeMatrixServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #options: FakeMatrixServerOptions;
  readonly #faults: ArmedFault[] = [];
  readonly #userToken: string;
  readonly #userId: string;
  readonly #adminToken: string;
  readonly #asToken: string;
  #inFlight = 0;
  #maxInFlight = 0;

  private constructor(server: Server, options: FakeMatrixServerOptions) {
    this.#server = server;
    this.#options = options;
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.#userToken = options.user?.token ?? 'user-token';
    this.#userId = options.user?.userId ?? `@observer:${options.membership.serverName}`;
    this.#adminToken = options.adminToken ?? 'admin-token';
    this.#asToken = options.asToken ?? 'as-token';
  }

  /** Starts a server on 127.0.0.1, on a free port. */
  static async start(options: FakeMatrixServerOptions): Promise<FakeMatrixServer> {
    let instance: FakeMatrixServer | undefined;
    const server = createServer((req, res) => {
      res.on('error', () => {});
      instance?.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) matrixError(res, 500, 'M_UNKNOWN', String(error));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    instance = new FakeMatrixServer(server, options);
    return instance;
  }

  /**
   * Applies `fault` to the next `times` matching requests (default: all of them): requests
   * about `roomId` or `userId` when given, every request otherwise.
   */
  inject(fault: Fault, match: { roomId?: string; userId?: string; times?: number } = {}): void {
    this.#faults.push({
      fault,
      roomId: match.roomId,
      userId: match.userId,
      remaining: match.times ?? Number.POSITIVE_INFINITY,
    });
  }

  /** Removes every fault. */
  clearFaults(): void {
    this.#faults.length = 0;
  }

  /** The most requests that were open at the same time. */
  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  /** Requests received about `roomId`. */
  requestsFor(roomId: string): RecordedRequest[] {
    return this.requests.filter((request) => request.roomId === roomId);
  }

  /** Stops the server and drops every connection (hanging requests included). */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  /** @internal Handles one request. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const roomMatch = CLIENT_MEMBERS.exec(path) ?? ADMIN_MEMBERS.exec(path);
    const userMatch = ADMIN_JOINED_ROOMS.exec(path);
    const roomId = roomMatch ? decodeURIComponent(roomMatch[1] as string) : undefined;
    const userId = userMatch ? decodeURIComponent(userMatch[1] as string) : undefined;
    this.requests.push({
      method: req.method ?? 'GET',
      path,
      query: url.searchParams,
      authorization: req.headers.authorization,
      roomId,
      userId,
    });
    this.#inFlight++;
    this.#maxInFlight = Math.max(this.#maxInFlight, this.#inFlight);
    res.once('close', () => {
      this.#inFlight--;
    });
    const armed = this.#faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.roomId === undefined || f.roomId === roomId) &&
        (f.userId === undefined || f.userId === userId),
    );
    if (armed !== undefined) {
      armed.remaining--;
      if (armed.fault.type === 'delay') {
        const { ms } = armed.fault;
        await new Promise((resolve) => setTimeout(resolve, ms));
      } else {
        this.#applyFault(armed.fault, req, res);
        return;
      }
    }
    const token = req.headers.authorization?.replace(/^Bearer /, '');
    const membership = this.#options.membership;
    const isAdmin = token === this.#adminToken;
    let requester: string | undefined;
    if (token === this.#userToken) requester = this.#userId;
    else if (token === this.#asToken) requester = url.searchParams.get('user_id') ?? undefined;
    else if (isAdmin) requester = `@admin:${membership.serverName}`;
    if (requester === undefined) {
      matrixError(res, 401, 'M_UNKNOWN_TOKEN', 'Invalid access token passed.');
      return;
    }

    if (CLIENT_MEMBERS.test(path) && roomId !== undefined) {
      const members = membership.getJoinedMembersSync([roomId]).get(roomId);
      const visible =
        members !== undefined &&
        (this.#options.requesterSeesAllRooms === true || members.includes(requester));
      if (!visible) {
        matrixError(res, 403, 'M_FORBIDDEN', `User ${requester} not in room ${roomId}`);
        return;
      }
      const joined: Record<string, unknown> = {};
      for (const member of members) {
        joined[member] = this.#options.profileOf?.(member) ?? {
          display_name: null,
          avatar_url: null,
        };
      }
      sendJson(res, 200, { joined });
      return;
    }
    if (CLIENT_JOINED_ROOMS.test(path)) {
      const rooms = this.#options.requesterSeesAllRooms
        ? membership.roomIds().filter((r) => membership.getJoinedMembersSync([r]).has(r))
        : (membership.getRoomsForUsersSync([requester]).get(requester) ?? []);
      sendJson(res, 200, { joined_rooms: rooms });
      return;
    }
    if (ADMIN_MEMBERS.test(path) || ADMIN_JOINED_ROOMS.test(path)) {
      if (!isAdmin) {
        matrixError(res, 403, 'M_FORBIDDEN', 'You are not a server admin');
        return;
      }
      if (roomId !== undefined) {
        const status = (await membership.getRoomStatuses([roomId])).get(roomId);
        if (status?.status === 'unknown') {
          matrixError(res, 404, 'M_NOT_FOUND', 'Room not found');
          return;
        }
        const members = membership.getJoinedMembersSync([roomId]).get(roomId) ?? [];
        sendJson(res, 200, { members, total: members.length });
        return;
      }
      const rooms = membership.getRoomsForUsersSync([userId as string]).get(userId as string);
      sendJson(res, 200, { joined_rooms: rooms ?? [], total: rooms?.length ?? 0 });
      return;
    }
    matrixError(res, 404, 'M_UNRECOGNIZED', 'Unrecognized request');
  }

  #applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse): void {
    switch (fault.type) {
      case 'status':
        sendJson(
          res,
          fault.status,
          fault.body ?? { errcode: 'M_UNKNOWN', error: `injected ${fault.status}` },
          fault.headers,
        );
        return;
      case 'hang':
        return;
      case 'raw':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(fault.body);
        return;
      case 'json':
        sendJson(res, 200, fault.body);
        return;
      case 'oversized': {
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        res.writeHead(200, {
          'content-type': 'application/json',
          ...(fault.declareLength ? { 'content-length': String(fault.bytes + 13) } : {}),
        });
        res.write('{"joined": {}');
        let left = fault.bytes;
        const pump = (): void => {
          while (left > 0 && !res.destroyed) {
            const n = Math.min(left, chunk.length);
            left -= n;
            if (!res.write(chunk.subarray(0, n))) {
              res.once('drain', pump);
              return;
            }
          }
          if (!res.destroyed) res.end('}');
        };
        pump();
        return;
      }
      case 'destroy':
        req.socket.destroy();
        return;
      case 'delay':
        return;
    }
  }
}

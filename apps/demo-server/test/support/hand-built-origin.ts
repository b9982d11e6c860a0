/**
 * A homeserver reduced to what a lying or broken one needs: it serves its real signed key
 * response over HTTP on 127.0.0.1 (optionally already expired) and sends transactions it
 * builds by hand — signed correctly, or tampered with after signing, signed with another key,
 * addressed to another destination.
 */
import { createServer, type Server } from 'node:http';
import {
  buildServerKeyResponse,
  buildXMatrixAuthorization,
  generateSigningKey,
  type JsonObject,
  type SigningKey,
} from '@presence-router/federation';

/** How to spoil a transaction. */
export interface Spoil {
  /** Replaces the body after signing. */
  readonly tamper?: (body: JsonObject) => JsonObject;
  /** Signs with this key (make it with the origin's key version to claim its key ID). */
  readonly signWith?: SigningKey;
  /** Signs for, and names, this destination. */
  readonly destination?: string;
  /** Sends no Authorization header. */
  readonly unsigned?: boolean;
}

/** The answer to a transaction. */
export interface TransactionAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export class HandBuiltOrigin {
  readonly serverName: string;
  readonly key: SigningKey;
  readonly #http: Server;
  readonly port: number;
  #txn = 0;

  private constructor(serverName: string, key: SigningKey, http: Server, port: number) {
    this.serverName = serverName;
    this.key = key;
    this.#http = http;
    this.port = port;
  }

  /** Starts serving `GET /_matrix/key/v2/server`; `keysValidForMs` may be negative (expired). */
  static async start(
    serverName: string,
    options: { port: number; keysValidForMs?: number },
  ): Promise<HandBuiltOrigin> {
    const key = await generateSigningKey();
    const validFor = options.keysValidForMs ?? 86_400_000;
    const http = createServer((request, response) => {
      if (request.url !== '/_matrix/key/v2/server') {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end('{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}');
        return;
      }
      void buildServerKeyResponse({
        serverName,
        signingKeys: [key],
        validUntilTs: Date.now() + validFor,
      }).then((body) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => http.listen(options.port, '127.0.0.1', resolve));
    return new HandBuiltOrigin(serverName, key, http, options.port);
  }

  /** A new transaction ID. */
  nextTxnId(): string {
    this.#txn++;
    return `hand-${this.#txn}`;
  }

  /** A transaction of one `m.presence` EDU pushing `push`. */
  presenceTransaction(push: readonly Record<string, unknown>[]): JsonObject {
    return {
      origin: this.serverName,
      origin_server_ts: Date.now(),
      pdus: [],
      edus: [{ edu_type: 'm.presence', content: { push } }],
    } as unknown as JsonObject;
  }

  /** PUTs `body` as transaction `txnId` to `destination` at `baseUrl`, spoiled as asked. */
  async send(
    baseUrl: string,
    destination: string,
    txnId: string,
    body: JsonObject,
    spoil: Spoil = {},
  ): Promise<TransactionAnswer> {
    const uri = `/_matrix/federation/v1/send/${encodeURIComponent(txnId)}`;
    const signedFor = spoil.destination ?? destination;
    const signingKey = spoil.signWith ?? this.key;
    const authorization = await buildXMatrixAuthorization({
      method: 'PUT',
      uri,
      origin: this.serverName,
      destination: signedFor,
      content: body,
      signingKey,
    });
    const sent = spoil.tamper === undefined ? body : spoil.tamper(body);
    const response = await fetch(`${baseUrl}${uri}`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        ...(spoil.unsigned === true ? {} : { authorization }),
      },
      body: JSON.stringify(sent),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** Another key under this origin's key ID: what a server that lost its key would sign with. */
  impostorKey(): Promise<SigningKey> {
    return generateSigningKey(this.key.version);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#http.close(() => resolve()));
  }
}

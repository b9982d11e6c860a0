import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64 } from '../src/base64.ts';
import { FederationError } from '../src/errors.ts';
import { signedBytes, verifySignatureBytes } from '../src/signed-json.ts';
import { type SigningKey, signingKeyFromSeed } from '../src/signing-key.ts';
import {
  buildXMatrixAuthorization,
  formatXMatrixAuthorization,
  parseXMatrixAuthorization,
  requestSigningObject,
} from '../src/x-matrix.ts';
import { SPEC_SEED } from './fakes/spec-vectors.ts';

let key: SigningKey;
beforeAll(async () => {
  key = await signingKeyFromSeed('1', decodeBase64(SPEC_SEED));
});

const expected = {
  origin: 'origin.hs.example.com',
  destination: 'destination.hs.example.com',
  key: 'ed25519:key1',
  sig: 'ABCDEF',
};

function malformed(header: string): string {
  try {
    parseXMatrixAuthorization(header);
  } catch (error) {
    if (error instanceof FederationError && error.code === 'INVALID_AUTHORIZATION')
      return error.message;
    throw error;
  }
  throw new Error(`accepted: ${header}`);
}

describe('X-Matrix: building', () => {
  it('signs {method, uri, origin, destination, content} and formats the v1.3 header', async () => {
    const request = {
      method: 'PUT',
      uri: '/_matrix/federation/v1/send/1700000000000',
      origin: 'domain',
      destination: 'remote.example',
      content: { origin: 'domain', pdus: [], edus: [] },
    };
    const header = await buildXMatrixAuthorization({ ...request, signingKey: key });
    const parsed = parseXMatrixAuthorization(header);
    expect(header).toBe(
      `X-Matrix origin="domain",destination="remote.example",key="ed25519:1",sig="${parsed.sig}"`,
    );
    const message = signedBytes(requestSigningObject(request));
    expect(new TextDecoder().decode(message)).toBe(
      '{"content":{"edus":[],"origin":"domain","pdus":[]},"destination":"remote.example","method":"PUT","origin":"domain","uri":"/_matrix/federation/v1/send/1700000000000"}',
    );
    expect(await verifySignatureBytes(key.publicKey(), message, decodeBase64(parsed.sig))).toBe(
      true,
    );
  });

  it('leaves content out of the signed object for requests without a body', () => {
    expect(
      requestSigningObject({ method: 'GET', uri: '/x', origin: 'a', destination: 'b' }),
    ).toEqual({
      method: 'GET',
      uri: '/x',
      origin: 'a',
      destination: 'b',
    });
  });

  it('escapes quotes and backslashes when formatting, and parses them back', () => {
    const auth = { origin: 'a.example', destination: 'b.example', key: 'ed25519:1', sig: 'q"\\x' };
    const header = formatXMatrixAuthorization(auth);
    expect(header).toBe(
      'X-Matrix origin="a.example",destination="b.example",key="ed25519:1",sig="q\\"\\\\x"',
    );
    expect(parseXMatrixAuthorization(header)).toEqual(auth);
  });
});

describe('X-Matrix: parsing what the specification and Synapse accept', () => {
  it.each([
    [
      'the specification example',
      'X-Matrix origin="origin.hs.example.com",destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF"',
    ],
    [
      'unquoted values (colons allowed)',
      'X-Matrix origin=origin.hs.example.com,destination=destination.hs.example.com,key=ed25519:key1,sig=ABCDEF',
    ],
    [
      'any order',
      'X-Matrix sig="ABCDEF",key="ed25519:key1",destination="destination.hs.example.com",origin="origin.hs.example.com"',
    ],
    [
      'spaces and tabs around commas',
      'X-Matrix origin="origin.hs.example.com" ,\tdestination="destination.hs.example.com"\t, key="ed25519:key1" , sig="ABCDEF"',
    ],
    [
      'several spaces after the scheme',
      'X-Matrix    origin="origin.hs.example.com",destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF"',
    ],
    [
      'upper-case names and scheme',
      'x-matrix ORIGIN="origin.hs.example.com",Destination="destination.hs.example.com",KEY="ed25519:key1",Sig="ABCDEF"',
    ],
    [
      'unknown parameters',
      'X-Matrix origin="origin.hs.example.com",future="x, y",destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF"',
    ],
    [
      'escaped characters',
      'X-Matrix origin="origin.hs.example.com",destination="destination\\.hs.example.com",key="ed25519:key1",sig="ABC\\DEF"',
    ],
    [
      'an empty list element',
      'X-Matrix origin="origin.hs.example.com",,destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF",',
    ],
  ])('accepts %s', (_name, header) => {
    expect(parseXMatrixAuthorization(header)).toEqual(expected);
  });

  it('accepts a header without destination (pre-v1.3 senders)', () => {
    expect(parseXMatrixAuthorization('X-Matrix origin=a.example,key="ed25519:1",sig="s"')).toEqual({
      origin: 'a.example',
      destination: undefined,
      key: 'ed25519:1',
      sig: 's',
    });
  });

  it.each([
    ['another scheme', 'Bearer abc', 'does not start with "X-Matrix "'],
    ['no space after the scheme', 'X-Matrixorigin=a', 'does not start with "X-Matrix "'],
    ['a missing origin', 'X-Matrix key="ed25519:1",sig="s"', 'origin is missing'],
    ['a missing key', 'X-Matrix origin="a.example",sig="s"', 'key is missing'],
    ['a missing sig', 'X-Matrix origin="a.example",key="ed25519:1"', 'sig is missing'],
    [
      'an origin that is not a server name',
      'X-Matrix origin="a b",key="k",sig="s"',
      'origin is not a server name',
    ],
    [
      'a parameter given twice',
      'X-Matrix origin="a.example",destination="b",destination="c",key="k",sig="s"',
      'destination is given twice',
    ],
    ['an unclosed quote', 'X-Matrix key="k",sig="s",origin="a.example', 'is not closed'],
    ['a pair without "="', 'X-Matrix origin', 'expected "=" after origin'],
    [
      'text after a value',
      'X-Matrix origin="a.example" junk, key="k",sig="s"',
      'unexpected text after origin',
    ],
  ])('refuses %s', (_name, header, reason) => {
    expect(malformed(header)).toContain(reason);
  });
});

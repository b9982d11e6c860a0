/**
 * Synapse's signing key file (`signing_key_path`): one key a line,
 * `ed25519 <version> <unpadded base64 of the 32-byte seed>`, fields separated by
 * whitespace. Synapse signs with the first key. Parsing reports every bad line at once;
 * blank lines are skipped (Synapse refuses them); Synapse's older one-field format (a bare
 * seed) is refused.
 *
 * @example
 * ```ts
 * const keys = await parseSigningKeyFile(await readFile('hs.signing.key', 'utf8'));
 * const text = serializeSigningKeys([await generateSigningKey()]); // 'ed25519 a_AbCd 3x...\n'
 * ```
 * @module
 */
import { decodeBase64, encodeUnpaddedBase64 } from './base64.ts';
import { FederationError, type FederationIssue } from './errors.ts';
import { SEED_BYTES } from './internal/ed25519.ts';
import { ED25519, keyVersionProblem, type SigningKey, signingKeyFromSeed } from './signing-key.ts';

/**
 * The keys of a key file, in file order. Throws `INVALID_KEY_FILE` listing every bad line
 * (wrong field count, unknown algorithm, bad version, bad base64, a seed that is not 32
 * bytes, a version used twice) or when the file holds no key.
 */
export async function parseSigningKeyFile(text: string): Promise<SigningKey[]> {
  const issues: FederationIssue[] = [];
  const parsed: { version: string; seed: Uint8Array }[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const fields = lines[index]!.trim()
      .split(/\s+/)
      .filter((field) => field !== '');
    if (fields.length === 0) continue;
    if (fields.length !== 3) {
      issues.push({
        line,
        message: `expected "ed25519 <version> <base64 seed>", found ${fields.length} field${fields.length === 1 ? '' : 's'}`,
      });
      continue;
    }
    const [algorithm, version, encoded] = fields as [string, string, string];
    if (algorithm !== ED25519) {
      issues.push({ line, message: `unsupported algorithm ${JSON.stringify(algorithm)}` });
      continue;
    }
    const versionProblem = keyVersionProblem(version);
    if (versionProblem !== undefined) {
      issues.push({ line, message: versionProblem });
      continue;
    }
    let seed: Uint8Array;
    try {
      seed = decodeBase64(encoded);
    } catch (error) {
      issues.push({ line, message: (error as Error).message });
      continue;
    }
    if (seed.length !== SEED_BYTES) {
      issues.push({ line, message: `the seed is ${seed.length} bytes, not ${SEED_BYTES}` });
      continue;
    }
    const earlier = seen.get(version);
    if (earlier !== undefined) {
      issues.push({ line, message: `key version ${version} is already used on line ${earlier}` });
      continue;
    }
    seen.set(version, line);
    parsed.push({ version, seed });
  }
  if (issues.length === 0 && parsed.length === 0) {
    issues.push({ message: 'the file holds no signing key' });
  }
  if (issues.length > 0) {
    throw new FederationError(
      'INVALID_KEY_FILE',
      `Invalid signing key file: ${issues.map((i) => (i.line === undefined ? i.message : `line ${i.line}: ${i.message}`)).join('; ')}`,
      { issues },
    );
  }
  return Promise.all(parsed.map(({ version, seed }) => signingKeyFromSeed(version, seed)));
}

/** The key file text for `keys`, one line each, as Synapse writes it. */
export function serializeSigningKeys(keys: readonly SigningKey[]): string {
  return keys
    .map((key) => `${key.algorithm} ${key.version} ${encodeUnpaddedBase64(key.exportSeed())}\n`)
    .join('');
}

import { describe, expect, it } from 'vitest';
import { main } from '../examples/route-presence.ts';

async function run(): Promise<string[]> {
  const lines: string[] = [];
  await main((line) => lines.push(line));
  return lines;
}

/** The lines printed under `  <recipient> receives:`, up to the next recipient. */
function deliveriesOf(lines: string[], recipient: string): string[] {
  const start = lines.indexOf(`  ${recipient} receives:`);
  if (start === -1) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('    ')) break;
    out.push(line.trim());
  }
  return out;
}

describe('examples/route-presence.ts', () => {
  it('prints the configuration and every delivery with its reason', async () => {
    const lines = await run();
    const text = lines.join('\n');
    expect(text).toContain('always_send_to_users: @presence_gobbler:hs.example');
    expect(text).toContain(
      'users_to_rooms: @alice:hs.example -> !support:hs.example, !partners:remote.example',
    );
    expect(text).not.toContain('unexplained');

    expect(deliveriesOf(lines, '@presence_gobbler:hs.example')).toEqual([
      '@alice:hs.example (online, "writing docs") <- routed user',
      '@bob:hs.example (unavailable) <- routed user',
      '@carol:hs.example (online) <- routed user',
    ]);
    expect(deliveriesOf(lines, '@dave:hs.example')).toEqual([
      '@alice:hs.example (online, "writing docs") <- routed room (!support:hs.example)',
      '@bob:hs.example (unavailable) <- routed room (!support:hs.example)',
    ]);
    expect(deliveriesOf(lines, '@alice:hs.example')).toEqual([
      '@alice:hs.example (online, "writing docs") <- self',
      '@bob:hs.example (unavailable) <- room member (!team:hs.example)',
      '@carol:hs.example (online) <- room member (!team:hs.example)',
    ]);
    expect(deliveriesOf(lines, '@frank:hs.example')).toEqual([
      '@carol:hs.example (online) <- room member (!random:hs.example)',
    ]);
    expect(text).toContain('Local recipients (7):');
  });

  it('prints remote servers, the dropped room and the read side', async () => {
    const lines = await run();
    const text = lines.join('\n');
    expect(text).toContain('Remote servers (2), over federation:');
    expect(text).toContain('  partner.example for @sam:partner.example:');
    expect(text).toContain(
      '    @alice:hs.example (online, "writing docs") <- @sam:partner.example: routed room (!support:hs.example)',
    );
    expect(text).toContain('  remote.example for @rita:remote.example:');
    expect(text).not.toContain('@pat:remote.example:');
    expect(text).toMatch(/Warnings:\n {2}Room destination !partners:remote\.example dropped/);
    expect(text).toContain('@presence_gobbler:hs.example also receives: everyone (ALL_USERS)');
    expect(text).toContain('@dave:hs.example also receives: @alice:hs.example, @bob:hs.example');
    expect(text).toContain('@frank:hs.example also receives: nobody beyond shared rooms');
  });
});

/**
 * The export conditions a package's `exports` map is read with: the ones Node itself uses for
 * `import()` in this process. That is `node` and `import`, plus every condition the process
 * was started with (`--conditions=name`, `--conditions name`, `-C name`, in the command line
 * or `NODE_OPTIONS`), such as the workspace's `@presence-router/source`; `default` always
 * matches. Deno does not show its flags to the program, so there the source condition is
 * found by asking the runtime how it resolves `@presence-router/core`.
 *
 * @example
 * ```ts
 * conditionsFromArgs(['--conditions=@presence-router/source']); // ['@presence-router/source']
 * processConditions(); // ['node', 'import', ...]
 * ```
 * @module
 */

/** The workspace's condition for running packages from their TypeScript source. */
export const SOURCE_CONDITION = '@presence-router/source';

/** The conditions Node always uses for `import()`. */
export const BASE_CONDITIONS: readonly string[] = ['node', 'import'];

/** The user conditions in a list of Node options (`--conditions`, `-C`), in order. */
export function conditionsFromArgs(args: readonly string[]): string[] {
  const conditions: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const inline = /^(?:--conditions|-C)=(.+)$/.exec(arg)?.[1];
    if (inline !== undefined) {
      conditions.push(inline);
    } else if ((arg === '--conditions' || arg === '-C') && i + 1 < args.length) {
      conditions.push(args[i + 1] as string);
      i++;
    }
  }
  return conditions;
}

interface ProcessLike {
  readonly execArgv?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Whether this runtime resolves workspace packages to their source (Deno's `--conditions`). */
function resolvesToSource(): boolean {
  try {
    return /\/src\/index\.ts$/.test(import.meta.resolve('@presence-router/core'));
  } catch {
    return false;
  }
}

/**
 * The conditions of this process: {@link BASE_CONDITIONS} and the user conditions it was
 * started with, each once. `runtime` and `denoSource` stand in for the process in tests.
 */
export function processConditions(
  runtime: ProcessLike | undefined = (globalThis as { process?: ProcessLike }).process,
  denoSource: () => boolean = () => 'Deno' in globalThis && resolvesToSource(),
): string[] {
  const options = runtime?.env?.NODE_OPTIONS?.split(/\s+/).filter((arg) => arg !== '') ?? [];
  const user = [...conditionsFromArgs(runtime?.execArgv ?? []), ...conditionsFromArgs(options)];
  if (!user.includes(SOURCE_CONDITION) && denoSource()) user.push(SOURCE_CONDITION);
  return [...new Set([...BASE_CONDITIONS, ...user])];
}

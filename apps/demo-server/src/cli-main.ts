/**
 * The process entry of the `presence-router` command: runs {@link runCli} with the process's
 * arguments and streams, and exits with its code.
 *
 * @example
 * ```sh
 * tsx --conditions=@presence-router/source apps/demo-server/src/cli-main.ts check homeserver.yaml
 * ```
 * @module
 */
import { runCli } from './cli.ts';

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
process.exitCode = code;

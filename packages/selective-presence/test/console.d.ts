/**
 * `console`, for the example and the tests only: the package compiles without DOM or Node
 * types (`tsconfig.build.json` does not see this file, so `src/` cannot use it).
 */
declare var console: {
  log(...data: unknown[]): void;
  debug(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
};

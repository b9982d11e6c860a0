/**
 * Splitting a server name (`host[:port]`) into its parts, and telling IP literals from DNS
 * names, as server discovery needs.
 * @module
 */
import { serverNameProblem } from '@presence-router/core';

/** The parts of a valid server name. */
export interface HostPort {
  /** The host as written: a DNS name, an IPv4 address, or a bracketed IPv6 address. */
  readonly host: string;
  /** The host without IPv6 brackets, as a socket connects to it. */
  readonly bareHost: string;
  readonly port: number | undefined;
  readonly ipLiteral: boolean;
}

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** The parts of `name`, or `undefined` when it is not a valid server name. */
export function splitHostPort(name: string): HostPort | undefined {
  if (serverNameProblem(name) !== undefined) return undefined;
  let host = name;
  let port: string | undefined;
  if (name.startsWith('[')) {
    const close = name.indexOf(']');
    host = name.slice(0, close + 1);
    if (close + 1 < name.length) port = name.slice(close + 2);
  } else {
    const colon = name.lastIndexOf(':');
    if (colon !== -1) {
      host = name.slice(0, colon);
      port = name.slice(colon + 1);
    }
  }
  const ipv6 = host.startsWith('[');
  return {
    host,
    bareHost: ipv6 ? host.slice(1, -1) : host,
    port: port === undefined ? undefined : Number(port),
    ipLiteral: ipv6 || IPV4.test(host),
  };
}

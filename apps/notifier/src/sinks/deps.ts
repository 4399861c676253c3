import { hostname } from 'node:os';

import { silentLogger, type Logger } from '@kubeguard/log';

import { PRODUCT_VERSION, type EncodeContext } from '../encodings/index.js';

/** What sinks need from their surroundings; every field has a default. */
export interface SinkDeps {
  log?: Logger;
  /** Milliseconds since epoch. @default Date.now */
  clock?: () => number;
  /** Where the `stdout` sink writes. @default process.stdout */
  stdout?: NodeJS.WritableStream;
  /** Stamped in CEF headers, OCSF metadata and the User-Agent. */
  productVersion?: string;
  /** CloudEvents `source`. @default /kubeguard/notifier */
  cloudEventsSource?: string;
  /** Syslog HOSTNAME. @default os.hostname() */
  hostname?: string;
}

/** {@link SinkDeps} with the defaults filled in. */
export interface ResolvedDeps {
  log: Logger;
  clock: () => number;
  stdout: NodeJS.WritableStream;
  productVersion: string;
  cloudEventsSource: string;
  hostname: string;
}

/** Fills in the defaults. */
export function resolveDeps(deps: SinkDeps = {}): ResolvedDeps {
  return {
    log: deps.log ?? silentLogger(),
    clock: deps.clock ?? Date.now,
    stdout: deps.stdout ?? process.stdout,
    productVersion: deps.productVersion ?? PRODUCT_VERSION,
    cloudEventsSource: deps.cloudEventsSource ?? '/kubeguard/notifier',
    hostname: deps.hostname ?? hostname(),
  };
}

/** The encoders' context at this moment. */
export function encodeContext(deps: ResolvedDeps): EncodeContext {
  return {
    now: new Date(deps.clock()),
    productVersion: deps.productVersion,
    source: deps.cloudEventsSource,
  };
}

/** The User-Agent of our HTTP requests. */
export function userAgent(deps: ResolvedDeps): string {
  return `Kubeguard/${deps.productVersion}`;
}

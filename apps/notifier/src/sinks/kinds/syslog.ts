import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';

import { z } from 'zod';

import { ENCODERS, payloadText } from '../../encodings/index.js';
import {
  bool,
  commonFields,
  encoding,
  portNumber,
  text,
  timeoutMs,
} from '../config-fields.js';
import { encodeContext, type ResolvedDeps } from '../deps.js';
import { SinkConfigError } from '../errors.js';
import { createRouteFilter } from '../routing.js';
import { serialized } from '../send-each.js';
import type { Sink } from '../sink.js';
import { SyslogConnection } from './syslog-connection.js';
import {
  FACILITIES,
  formatSyslog,
  frameOctetCounted,
  syslogSeverity,
  type FacilityName,
} from './syslog-format.js';

const tlsOptions = z.strictObject({
  /** PEM CA bundle that signed the receiver's certificate; default: the system CAs. */
  caFile: text().optional(),
  /** Client certificate and key (PEM), for receivers that require mutual TLS. */
  certFile: text().optional(),
  keyFile: text().optional(),
  /** Name to verify the receiver's certificate against; default: `host`. */
  serverName: text().optional(),
});

/** `kind: syslog` — RFC 5424 over TCP (RFC 6587 octet counting) or TLS (RFC 5425). */
export const syslogSchema = z
  .strictObject({
    ...commonFields,
    kind: z.literal('syslog'),
    host: text(),
    /** @default 6514 with TLS, 514 without */
    port: portNumber().optional(),
    /** `true`, or TLS options; absent or `false` = plain TCP. */
    tls: z.union([bool(), tlsOptions]).default(false),
    facility: z
      .union(
        [
          z.enum(Object.keys(FACILITIES) as [FacilityName, ...FacilityName[]]),
          z.coerce.number().int().min(0).max(23),
        ],
        {
          error: `expected a facility name (${Object.keys(FACILITIES).join(', ')}) or a number 0-23`,
        },
      )
      .default('authpriv'),
    appName: text().default('kubeguard'),
    /** HOSTNAME of the messages; default: this machine's name. */
    hostname: text().optional(),
    encoding: encoding('cef'),
    /** Connect and write timeout. */
    timeoutMs: timeoutMs(),
  })
  .refine(
    c =>
      typeof c.tls !== 'object' ||
      (c.tls.certFile === undefined) === (c.tls.keyFile === undefined),
    {
      message: 'give certFile and keyFile together',
      path: ['tls', 'keyFile'],
    },
  );

/** A validated syslog sink configuration. */
export type SyslogSinkConfig = z.infer<typeof syslogSchema>;

/**
 * Sends each notification as one RFC 5424 message (MSG = CEF by default,
 * MSGID = `alert-<change>`, severity from the alert), octet-counted, over
 * one persistent connection that is re-opened after a failure. A batch is
 * one write; `send` resolves when the kernel took it (syslog has no
 * application-level acknowledgement).
 */
export function createSyslogSink(
  config: SyslogSinkConfig,
  deps: ResolvedDeps,
): Sink {
  const encoder = ENCODERS[config.encoding];
  const facility =
    typeof config.facility === 'number'
      ? config.facility
      : FACILITIES[config.facility];
  const tls = tlsConnectionOptions(config);
  const connection = new SyslogConnection({
    sinkId: config.id,
    host: config.host,
    port: config.port ?? (tls ? 6514 : 514),
    tls,
    timeoutMs: config.timeoutMs,
    log: deps.log,
  });
  const hostname = config.hostname ?? deps.hostname;
  return {
    id: config.id,
    kind: config.kind,
    accepts: createRouteFilter(config),
    send: serialized(async batch => {
      if (batch.length === 0) {
        return;
      }
      const context = encodeContext(deps);
      const frames = batch.map(notification =>
        frameOctetCounted(
          formatSyslog(
            {
              facility,
              severity: syslogSeverity(notification.alert.severity),
              timestamp: context.now,
              hostname,
              appName: config.appName,
              procId: String(process.pid),
              msgId: `alert-${notification.change}`,
            },
            payloadText(encoder.encode(notification, context)),
          ),
        ),
      );
      await connection.write(Buffer.concat(frames));
    }),
    close: () => connection.close(),
  };
}

function tlsConnectionOptions(
  config: SyslogSinkConfig,
): ConnectionOptions | undefined {
  if (config.tls === false) {
    return undefined;
  }
  const options = config.tls === true ? {} : config.tls;
  const read = (
    field: string,
    path: string | undefined,
  ): Buffer | undefined => {
    if (path === undefined) {
      return undefined;
    }
    try {
      return readFileSync(path);
    } catch (error) {
      throw new SinkConfigError([
        `sink '${config.id}': tls.${field}: cannot read '${path}': ${(error as Error).message}`,
      ]);
    }
  };
  const ca = read('caFile', options.caFile);
  const cert = read('certFile', options.certFile);
  const key = read('keyFile', options.keyFile);
  // SNI may not carry an IP address; Node then checks the IP against the certificate.
  const servername =
    options.serverName ?? (isIP(config.host) === 0 ? config.host : undefined);
  return {
    ...(servername === undefined ? {} : { servername }),
    rejectUnauthorized: true,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
  };
}

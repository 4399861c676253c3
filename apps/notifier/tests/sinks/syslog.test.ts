import { readFileSync } from 'node:fs';

import { Severity } from '@kubeguard/contracts';
import {
  freePort,
  makeTestPki,
  waitFor,
  type TestPki,
} from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { encodeCef, encodeNativeJson } from '../../src/encodings/index.js';
import { formatSyslog, frameOctetCounted } from '../../src/sinks/index.js';
import { sampleAlert, sampleNotification } from './support/fixtures.js';
import { buildSink, NOW, sendError } from './support/sinks.js';
import {
  startSyslogReceiver,
  type SyslogReceiver,
} from './support/syslog-receiver.js';

const CONTEXT = {
  now: new Date(NOW),
  productVersion: '9.9.9',
  source: '/kubeguard/test',
};
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

describe('syslog framing', () => {
  it('formats RFC 5424 with NILVALUEs and printable header fields', () => {
    expect(
      formatSyslog(
        {
          facility: 10,
          severity: 3,
          timestamp: new Date(NOW),
          hostname: 'node 1',
          appName: '',
          procId: '42',
          msgId: 'alert-created',
        },
        'hello',
      ),
    ).toBe('<83>1 2025-03-01T12:00:00.000Z node_1 - 42 alert-created - hello');
  });

  it('counts octets, not characters', () => {
    const frame = frameOctetCounted('<83>1 - - - - - - héllo');
    expect(frame.toString('utf8')).toBe('24 <83>1 - - - - - - héllo');
  });
});

describe('syslog sink over TCP', () => {
  let receiver: SyslogReceiver;

  beforeAll(async () => {
    receiver = await startSyslogReceiver();
  });
  afterAll(() => receiver.close());

  it('sends each notification as an octet-counted RFC 5424 message with CEF', async () => {
    const sink = buildSink({
      id: 'siem',
      kind: 'syslog',
      host: '127.0.0.1',
      port: receiver.port,
    });
    const first = sampleNotification(
      'created',
      sampleAlert({ title: 'Exec by José' }),
    );
    const second = sampleNotification(
      'updated',
      sampleAlert({
        severity: Severity.CRITICAL,
        description: 'line one\nline two',
      }),
    );
    await sink.send([first, second]);
    await waitFor(() => (receiver.messages.length >= 2 ? true : undefined));
    expect(receiver.errors).toEqual([]);
    const [a, b] = receiver.messages;
    expect(a).toEqual({
      length: Buffer.byteLength(
        `<83>1 2025-03-01T12:00:00.000Z notifier-0 kubeguard ${String(process.pid)} alert-created - ${encodeCef(first, CONTEXT)}`,
      ),
      // authpriv (10) * 8 + err (3): a high alert
      pri: 83,
      version: '1',
      timestamp: '2025-03-01T12:00:00.000Z',
      hostname: 'notifier-0',
      appName: 'kubeguard',
      procId: String(process.pid),
      msgId: 'alert-created',
      structuredData: '-',
      msg: encodeCef(first, CONTEXT),
    });
    expect(a?.msg).toContain('Exec by José');
    // critical = crit (2)
    expect(b?.pri).toBe(82);
    expect(b?.msgId).toBe('alert-updated');
    expect(b?.msg).toBe(encodeCef(second, CONTEXT));
    expect(b?.msg).toContain('msg=line one\\nline two');
    await sink.close();
  });

  it('takes facility, app name, host name and encoding from the configuration', async () => {
    const before = receiver.messages.length;
    const sink = buildSink({
      id: 'siem',
      kind: 'syslog',
      host: '127.0.0.1',
      port: String(receiver.port),
      facility: 'local4',
      appName: 'kg-notifier',
      hostname: 'cluster-gw',
      encoding: 'json',
    });
    const notification = sampleNotification(
      'resolved',
      sampleAlert({ severity: Severity.INFO }),
    );
    await sink.send([notification]);
    await waitFor(() => (receiver.messages.length > before ? true : undefined));
    const message = receiver.messages[before];
    // local4 (20) * 8 + informational (6)
    expect(message?.pri).toBe(166);
    expect(message?.appName).toBe('kg-notifier');
    expect(message?.hostname).toBe('cluster-gw');
    expect(JSON.parse(message?.msg ?? '')).toEqual(
      encodeNativeJson(notification),
    );
    await sink.close();
  });

  it('reconnects after the receiver closed the connection', async () => {
    const sink = buildSink({
      id: 'siem',
      kind: 'syslog',
      host: '127.0.0.1',
      port: receiver.port,
    });
    const connections = receiver.connections;
    const before = receiver.messages.length;
    await sink.send([sampleNotification('created', sampleAlert(), 'n-1')]);
    await waitFor(() => (receiver.messages.length > before ? true : undefined));
    receiver.dropConnections();
    await sleep(100);
    await sink.send([sampleNotification('updated', sampleAlert(), 'n-2')]);
    await waitFor(() =>
      receiver.messages.length > before + 1 ? true : undefined,
    );
    expect(receiver.connections).toBe(connections + 2);
    expect(receiver.messages.slice(before).map(m => m.msgId)).toEqual([
      'alert-created',
      'alert-updated',
    ]);
    await sink.close();
  });
});

describe('syslog sink failures', () => {
  it('is retryable while the receiver is down and delivers once it is up', async () => {
    const port = await freePort();
    const sink = buildSink({
      id: 'siem',
      kind: 'syslog',
      host: '127.0.0.1',
      port,
    });
    const error = await sendError(sink.send([sampleNotification()]));
    expect(error.code).toBe('SINK_UNREACHABLE');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(`127.0.0.1:${String(port)}`);
    expect(error.message).toContain('ECONNREFUSED');

    const receiver = await startSyslogReceiver(undefined, port);
    try {
      await sink.send([sampleNotification()]);
      await waitFor(() => (receiver.messages.length === 1 ? true : undefined));
    } finally {
      await sink.close();
      await receiver.close();
    }
  });
});

describe('syslog sink over TLS', () => {
  let pki: TestPki;
  let receiver: SyslogReceiver;

  beforeAll(async () => {
    pki = makeTestPki([]);
    receiver = await startSyslogReceiver({
      cert: readFileSync(pki.serverCertFile),
      key: readFileSync(pki.serverKeyFile),
    });
  });
  afterAll(async () => {
    await receiver.close();
    pki.remove();
  });

  it('sends over TLS verified against the configured CA', async () => {
    const sink = buildSink(
      {
        id: 'siem-tls',
        kind: 'syslog',
        host: '127.0.0.1',
        port: receiver.port,
        tls: { caFile: '${SYSLOG_CA_FILE}' },
      },
      { SYSLOG_CA_FILE: pki.caFile },
    );
    const notification = sampleNotification('created');
    await sink.send([notification]);
    await waitFor(() => (receiver.messages.length === 1 ? true : undefined));
    expect(receiver.messages[0]?.msg).toBe(encodeCef(notification, CONTEXT));
    expect(receiver.errors).toEqual([]);
    await sink.close();
  });

  it('refuses a receiver whose certificate it cannot verify', async () => {
    const sink = buildSink({
      id: 'siem-tls',
      kind: 'syslog',
      host: '127.0.0.1',
      port: receiver.port,
      tls: true,
    });
    const error = await sendError(sink.send([sampleNotification()]));
    expect(error.code).toBe('SINK_UNREACHABLE');
    expect(error.message).toMatch(/SELF_SIGNED|UNABLE_TO|CERT/);
    await sink.close();
  });
});

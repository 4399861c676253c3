import { Alert, Severity } from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import {
  encodeCef,
  escapeCefHeader,
  escapeCefValue,
} from '../../src/encodings/index.js';
import { sampleAlert, sampleNotification } from '../sinks/support/fixtures.js';
import { CONTEXT } from './context.js';

/** Splits a CEF line into its 7 header fields and the extension, honouring `\|`. */
function parseCef(line: string): {
  header: string[];
  extension: Map<string, string>;
} {
  const header: string[] = [];
  let current = '';
  let i = 0;
  for (; i < line.length && header.length < 7; i++) {
    const char = line[i];
    if (char === '\\') {
      current += line[i + 1];
      i++;
    } else if (char === '|') {
      header.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  const extension = new Map<string, string>();
  // key=value pairs: a key is a word followed by an unescaped '='.
  const rest = line.slice(i);
  const keys = [...rest.matchAll(/(?:^| )([A-Za-z0-9]+)=/g)].filter(
    m => rest[(m.index ?? 0) - 1] !== '\\',
  );
  keys.forEach((match, k) => {
    const start = (match.index ?? 0) + match[0].length;
    const end = keys[k + 1]?.index ?? rest.length;
    extension.set(
      match[1] ?? '',
      rest
        .slice(start, end)
        .replace(/\\n/g, '\n')
        .replace(/\\r/g, '\r')
        .replace(/\\(.)/g, '$1'),
    );
  });
  return { header, extension };
}

describe('CEF encoding', () => {
  it('writes the header and the extension field by field', () => {
    const line = encodeCef(sampleNotification('created'), CONTEXT);
    expect(line).toBe(
      'CEF:0|Kubeguard|Kubeguard|9.9.9|pod-exec-kube-system|Exec into kube-system/etcd-0 by alice@example.com|8|' +
        [
          `rt=${String(Date.parse('2025-03-01T10:05:01.500Z'))}`,
          `start=${String(Date.parse('2025-03-01T10:00:00.000Z'))}`,
          `end=${String(Date.parse('2025-03-01T10:05:00.000Z'))}`,
          'cnt=2',
          'externalId=alt-7f3a',
          'cat=K8S_ExecInKubeSystemPod',
          'act=created',
          'outcome=allowed',
          'suser=alice@example.com',
          'src=203.0.113.7',
          'requestClientApplication=kubectl/v1.30.1 (linux/amd64)',
          'msg=A person ran a command inside a kube-system pod.',
          'cs1Label=cluster',
          'cs1=prod-east',
          'cs2Label=namespace',
          'cs2=kube-system',
          'cs3Label=target',
          'cs3=create pods/exec kube-system/etcd-0',
          'cs4Label=mitreTactics',
          'cs4=TA0002',
          'cs5Label=mitreTechniques',
          'cs5=T1609',
          'cs6Label=auditIds',
          'cs6=audit-1,audit-2',
          'flexString1Label=status',
          'flexString1=new',
          'flexString2Label=fingerprint',
          'flexString2=fp-91c2',
        ].join(' '),
    );
  });

  it('escapes pipes and backslashes in the header and drops line breaks', () => {
    expect(escapeCefHeader('a|b\\c\nd\r\ne')).toBe('a\\|b\\\\c d e');
    const line = encodeCef(
      sampleNotification(
        'created',
        sampleAlert({ ruleId: 'rule|x', title: 'pipe | back\\slash\nnext' }),
      ),
      CONTEXT,
    );
    expect(
      line.startsWith(
        'CEF:0|Kubeguard|Kubeguard|9.9.9|rule\\|x|pipe \\| back\\\\slash next|8|',
      ),
    ).toBe(true);
    expect(parseCef(line).header).toEqual([
      'CEF:0',
      'Kubeguard',
      'Kubeguard',
      '9.9.9',
      'rule|x',
      'pipe | back\\slash next',
      '8',
    ]);
  });

  it('escapes backslashes, equals signs and line breaks in extension values, not pipes', () => {
    expect(escapeCefValue('a=b\\c|d\ne\r\nf\rg')).toBe(
      'a\\=b\\\\c|d\\ne\\nf\\rg',
    );
    const description = 'key=value\\path|pipe\nsecond line';
    const line = encodeCef(
      sampleNotification('created', sampleAlert({ description })),
      CONTEXT,
    );
    expect(line).toContain(
      'msg=key\\=value\\\\path|pipe\\nsecond line cs1Label=',
    );
    expect(line).not.toContain('\n');
    expect(parseCef(line).extension.get('msg')).toBe(description);
  });

  it.each([
    [Severity.INFO, '1'],
    [Severity.LOW, '3'],
    [Severity.MEDIUM, '5'],
    [Severity.HIGH, '8'],
    [Severity.CRITICAL, '10'],
    [Severity.UNSPECIFIED, '0'],
  ])('severity %i is CEF severity %s', (severity, cef) => {
    const line = encodeCef(
      sampleNotification('created', sampleAlert({ severity })),
      CONTEXT,
    );
    expect(parseCef(line).header[6]).toBe(cef);
  });

  it('writes an IPv6 source as c6a2 with its label', () => {
    const alert = sampleAlert();
    const line = encodeCef(
      sampleNotification('created', {
        ...alert,
        actor: { ...alert.actor!, sourceIps: ['2001:db8::7'] },
      }),
      CONTEXT,
    );
    const { extension } = parseCef(line);
    expect(extension.get('c6a2')).toBe('2001:db8::7');
    expect(extension.get('c6a2Label')).toBe('Source IPv6 Address');
    expect(extension.has('src')).toBe(false);
  });

  it('leaves out empty values', () => {
    const line = encodeCef(
      {
        id: 'n',
        change: 'test',
        alert: Alert.fromPartial({ ruleId: 'r', title: 't' }),
      },
      CONTEXT,
    );
    expect(line).toBe(
      `CEF:0|Kubeguard|Kubeguard|9.9.9|r|t|0|rt=${String(CONTEXT.now.getTime())} act=test outcome=unknown flexString1Label=status flexString1=unknown`,
    );
  });
});

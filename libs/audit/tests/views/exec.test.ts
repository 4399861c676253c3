import { type ExecView, type ObjectRef } from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import { execView } from '../../src/views/exec.js';
import { fixtureEvent } from './fixtures.js';

function ref(resource: string, subresource: string): ObjectRef {
  return {
    resource,
    subresource,
    namespace: 'shop',
    name: 'cart',
    uid: '',
    apiGroup: '',
    apiVersion: 'v1',
    resourceVersion: '',
  };
}

function view(fields: Partial<ExecView>): ExecView {
  return {
    command: [],
    container: '',
    stdin: false,
    stdout: false,
    stderr: false,
    tty: false,
    ports: [],
    ...fields,
  };
}

const base = '/api/v1/namespaces/shop/pods/cart';

describe('exec view', () => {
  it('decodes the command of an exec, in order, with the container and flags', () => {
    const event = fixtureEvent('exec-cat-shadow.json');
    expect(event.derived?.exec).toEqual({
      command: ['sh', '-c', 'cat /etc/shadow'],
      container: 'app',
      stdin: true,
      stdout: false,
      stderr: false,
      tty: true,
      ports: [],
    });
  });

  it.each([
    [
      'plus signs as spaces',
      'exec',
      `${base}/exec?command=sh&command=-c&command=curl+-s+http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2F&stdout=true&stderr=true`,
      view({
        command: [
          'sh',
          '-c',
          'curl -s http://169.254.169.254/latest/meta-data/',
        ],
        stdout: true,
        stderr: true,
      }),
    ],
    [
      'an encoded plus sign as a plus',
      'exec',
      `${base}/exec?command=expr&command=1%2B1`,
      view({ command: ['expr', '1+1'] }),
    ],
    [
      'a malformed escape kept as written',
      'exec',
      `${base}/exec?command=echo&command=100%zz`,
      view({ command: ['echo', '100%zz'] }),
    ],
    [
      'an attach with the ParseBool spellings of true and false',
      'attach',
      `${base}/attach?container=app&stdin=1&tty=T&stdout=false`,
      view({ container: 'app', stdin: true, tty: true }),
    ],
    [
      'the ports of a port-forward',
      'portforward',
      `${base}/portforward?ports=8080&ports=5432,6379&ports=http`,
      view({ ports: [8080, 5432, 6379] }),
    ],
    ['a URI without a query', 'exec', `${base}/exec`, view({})],
  ])('reads %s', (_, subresource, uri, expected) => {
    expect(execView(ref('pods', subresource), uri)).toEqual(expected);
  });

  it.each([
    ['a pod get', ref('pods', ''), `${base}?command=sh`],
    ['pods/log', ref('pods', 'log'), `${base}/log?container=app`],
    [
      'nodes/proxy',
      ref('nodes', 'proxy'),
      '/api/v1/nodes/worker-3/proxy/exec?command=sh',
    ],
    ['no objectRef', undefined, '/healthz'],
  ])('is unset for %s', (_, objectRef, uri) => {
    expect(execView(objectRef, uri)).toBeUndefined();
  });

  it('is unset on an ordinary normalized event', () => {
    expect(
      fixtureEvent('deployment-init-sys-admin.json').derived?.exec,
    ).toBeUndefined();
  });
});

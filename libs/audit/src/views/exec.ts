import { type ExecView, type ObjectRef } from '@kubeguard/contracts';

const STREAMING_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

/**
 * The exec, attach or port-forward session a `pods/<subresource>` request
 * opens, decoded from its requestURI: the audit log records the command only
 * there, as repeated `command=` parameters (URL-encoded, `+` for spaces).
 * Undefined for every other request.
 */
export function execView(
  objectRef: ObjectRef | undefined,
  requestUri: string,
): ExecView | undefined {
  if (
    objectRef?.resource !== 'pods' ||
    !STREAMING_SUBRESOURCES.has(objectRef.subresource)
  ) {
    return undefined;
  }
  const view: ExecView = {
    command: [],
    container: '',
    stdin: false,
    stdout: false,
    stderr: false,
    tty: false,
    ports: [],
  };
  const queryStart = requestUri.indexOf('?');
  if (queryStart < 0) {
    return view;
  }
  // URLSearchParams decodes `+` and %XX as the API server's parser does, and
  // keeps a malformed escape as written instead of throwing.
  const query = new URLSearchParams(requestUri.slice(queryStart + 1));
  for (const [key, value] of query) {
    switch (key) {
      case 'command':
        view.command.push(value);
        break;
      case 'container':
        view.container = value;
        break;
      case 'stdin':
      case 'stdout':
      case 'stderr':
      case 'tty':
        view[key] = isTrueFlag(value);
        break;
      case 'ports':
        addPorts(view.ports, value);
        break;
      default:
        break;
    }
  }
  return view;
}

/** The spellings Go's strconv.ParseBool, which the API server uses, reads as true. */
const TRUE_FLAGS = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);

function isTrueFlag(value: string): boolean {
  return TRUE_FLAGS.has(value);
}

/** `ports=8080` or `ports=8080,9090`; invalid entries are skipped. */
function addPorts(out: number[], value: string): void {
  for (const part of value.split(',')) {
    const port = Number(part.trim());
    if (Number.isInteger(port) && port > 0 && port <= 65535) {
      out.push(port);
    }
  }
}

/**
 * Functions rules may call besides CEL's standard library. Each one exists
 * because the plain CEL form is easy to get wrong (see the catalog's pitfalls).
 */

/**
 * Whether `path` is one of `prefixes` or lies beneath one, compared on whole
 * path segments: `/etc` covers `/etc/kubernetes` but not `/etcd`.
 */
export function pathIsUnder(
  path: string,
  prefixes: readonly string[],
): boolean {
  const clean = trimSlash(path.split('?', 1)[0] ?? '');
  return prefixes.some(prefix => {
    const p = trimSlash(prefix);
    // A root entry means "the root itself is mounted": under-every-path would
    // make every hostPath look sensitive.
    if (p === '/' || p === '') {
      return clean === '/';
    }
    return clean === p || clean.startsWith(`${p}/`);
  });
}

/** Whether a value matches one of several shell-style patterns (`*` any run of characters). */
export function matchesAny(
  value: string,
  patterns: readonly string[],
): boolean {
  return patterns.some(pattern => globRegex(pattern).test(value));
}

/** Whether an IPv4 or IPv6 address lies in one of the CIDR ranges (or equals a listed address). */
export function ipInAny(ip: string, cidrs: readonly string[]): boolean {
  const address = parseIp(ip);
  if (!address) {
    return false;
  }
  return cidrs.some(cidr => {
    const [base = '', bitsText] = cidr.split('/');
    const network = parseIp(base);
    if (!network || network.length !== address.length) {
      return false;
    }
    const bits = bitsText === undefined ? network.length * 8 : Number(bitsText);
    for (let i = 0; i < network.length; i += 1) {
      const remaining = bits - i * 8;
      if (remaining <= 0) {
        return true;
      }
      const mask = remaining >= 8 ? 0xff : (0xff << (8 - remaining)) & 0xff;
      if (((address[i] ?? 0) & mask) !== ((network[i] ?? 0) & mask)) {
        return false;
      }
    }
    return true;
  });
}

/** The image reference without its tag and digest: `registry/repo`. */
export function imageRepository(image: string): string {
  const noDigest = image.split('@', 1)[0] ?? '';
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? noDigest : noDigest.slice(0, colon);
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

const globCache = new Map<string, RegExp>();
function globRegex(pattern: string): RegExp {
  let regex = globCache.get(pattern);
  if (!regex) {
    const body = pattern
      .split('*')
      .map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    regex = new RegExp(`^${body}$`);
    globCache.set(pattern, regex);
  }
  return regex;
}

function parseIp(ip: string): number[] | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(
    ip.startsWith('::ffff:') ? ip.slice(7) : ip,
  );
  if (v4) {
    const parts = v4.slice(1).map(Number);
    return parts.every(p => p <= 255) ? parts : undefined;
  }
  if (!ip.includes(':')) {
    return undefined;
  }
  const [head = '', tail] = ip.split('::');
  const groups = (text: string): string[] =>
    text === '' ? [] : text.split(':');
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) {
    return undefined;
  }
  const all = [
    ...left,
    ...Array.from({ length: missing }, () => '0'),
    ...right,
  ];
  const bytes: number[] = [];
  for (const group of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) {
      return undefined;
    }
    const value = parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  return bytes;
}

/**
 * Whether the path of a request URI equals one of the prefixes or lies
 * beneath it, compared on whole path segments: `/readyz` covers
 * `/readyz/etcd` and `/readyz?verbose` but not `/readyzz`.
 */
export function pathUnder(
  requestUri: string,
  prefixes: readonly string[],
): boolean {
  const path = requestUri.split('?', 1)[0] ?? '';
  return prefixes.some(
    prefix => path === prefix || path.startsWith(`${prefix}/`),
  );
}

/**
 * A title template: text with `{{ path }}` placeholders over the activation,
 * e.g. `Privileged container in {{ objectRef.namespace }}/{{ objectRef.name }}`.
 * Paths use dots and `[n]` indexes; a missing value renders as nothing and
 * the spaces around it collapse.
 */
export type Template = (activation: Record<string, unknown>) => string;

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.[\]]*)\s*\}\}/g;

/** Splits `a.b[0].c` into `['a', 'b', '0', 'c']`. */
export function pathSegments(path: string): string[] {
  return path.replace(/\[(\d+)\]/g, '.$1').split('.');
}

/** Compiles a template; `roots` are the names a path may start with. */
export function compileTemplate(
  text: string,
  roots: ReadonlySet<string>,
): Template {
  const parts: (string | string[])[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const path = pathSegments(match[1] ?? '');
    if (!roots.has(path[0] ?? '')) {
      throw new Error(
        `unknown placeholder '{{ ${match[1] ?? ''} }}': paths start with one of ${[...roots].join(', ')}`,
      );
    }
    parts.push(text.slice(last, match.index), path);
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  const unparsed = parts.find(
    part => typeof part === 'string' && part.includes('{{'),
  );
  if (typeof unparsed === 'string') {
    throw new Error(
      `a '{{' placeholder in '${unparsed.trim()}' is not a path of letters, digits, dots and [n] indexes`,
    );
  }
  return activation =>
    parts
      .map(part =>
        typeof part === 'string' ? part : render(resolve(activation, part)),
      )
      .join('')
      .replace(/\s{2,}/g, ' ')
      .trim();
}

/** The value at a path of segments (`['user', 'groups', '0']`), or undefined. */
export function resolve(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** How a value reads in a title or an exception comparison. */
export function render(value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (Array.isArray(value)) {
    return value.map(render).join(', ');
  }
  if (typeof value === 'object') {
    return JSON.stringify(value);
  }
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

import { InvalidArgumentError } from '@kubeguard/errors';

/** Position after the last alert of a page: newest first, ties broken by id. */
export interface PagePosition {
  createdAtMs: number;
  id: string;
}

/** An opaque token for the page after `position`. */
export function encodePageToken(position: PagePosition): string {
  return Buffer.from(
    JSON.stringify([position.createdAtMs, position.id]),
  ).toString('base64url');
}

/**
 * Reads a token made by {@link encodePageToken}.
 * @throws InvalidArgumentError naming `page_token` when it is not one
 */
export function decodePageToken(token: string): PagePosition {
  try {
    const value: unknown = JSON.parse(
      Buffer.from(token, 'base64url').toString('utf8'),
    );
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'number' &&
      typeof value[1] === 'string'
    ) {
      return { createdAtMs: value[0], id: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidArgumentError(
    'page_token',
    `'${token}' is not a token from a previous page`,
  );
}

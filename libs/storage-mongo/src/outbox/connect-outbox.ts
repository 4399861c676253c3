import { UnavailableError, errorMessage } from '@kubeguard/errors';
import { MongoClient } from 'mongodb';

import {
  createMongoOutbox,
  type MongoOutboxOptions,
  type Outbox,
} from './mongo-outbox.js';

/** Options for {@link connectMongoOutbox}. */
export interface ConnectOutboxOptions extends MongoOutboxOptions {
  /** A `mongodb://` URL; the database comes from its path unless `database` is set. */
  url: string;
  /** @default the URL's database, else 'kubeguard' */
  database?: string;
  /** @default 5000 */
  serverSelectionTimeoutMs?: number;
}

/** An outbox with its own connection. */
export interface ConnectedOutbox<
  Change extends string = string,
> extends Outbox<Change> {
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Connects to MongoDB (or a server speaking its wire protocol) and opens the
 * outbox collection.
 * @throws UnavailableError when the server cannot be reached
 */
export async function connectMongoOutbox<Change extends string = string>(
  options: ConnectOutboxOptions,
): Promise<ConnectedOutbox<Change>> {
  const client = new MongoClient(options.url, {
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 5000,
  });
  try {
    await client.connect();
  } catch (err) {
    throw new UnavailableError(
      `MONGO_URL: cannot connect to '${redactUrl(options.url)}': ${errorMessage(err)}`,
      { cause: err },
    );
  }
  const db = client.db(
    options.database ?? (dbNameOf(options.url) || 'kubeguard'),
  );
  try {
    const outbox = await createMongoOutbox<Change>(db, options);
    return {
      ...outbox,
      async ping() {
        try {
          await db.command({ ping: 1 });
          return true;
        } catch {
          return false;
        }
      },
      close: () => client.close(),
    };
  } catch (err) {
    await client.close();
    throw err;
  }
}

function dbNameOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  } catch {
    return '';
  }
}

/** The URL without its password, for error messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      parsed.password = '***';
    }
    return parsed.toString();
  } catch {
    return url;
  }
}

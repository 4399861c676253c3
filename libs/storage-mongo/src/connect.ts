import { UnavailableError, errorMessage } from '@kubeguard/errors';
import { MongoClient, type Db } from 'mongodb';

/** Where to connect: shared by the alert store and the outbox. */
export interface MongoConnectOptions {
  /** A `mongodb://` URL; the database comes from its path unless `database` is set. */
  url: string;
  /** @default the URL's database, else 'kubeguard' */
  database?: string;
  /** @default 5000 */
  serverSelectionTimeoutMs?: number;
}

/**
 * Connects to MongoDB (or a server speaking its wire protocol) and opens the
 * database.
 * @throws UnavailableError naming MONGO_URL (password hidden) when the server cannot be reached
 */
export async function connectMongo(
  options: MongoConnectOptions,
): Promise<{ client: MongoClient; db: Db }> {
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
  return { client, db };
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

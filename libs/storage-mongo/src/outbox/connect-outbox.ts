import { connectMongo, type MongoConnectOptions } from '../connect.js';
import {
  createMongoOutbox,
  type MongoOutboxOptions,
  type Outbox,
} from './mongo-outbox.js';

/** Options for {@link connectMongoOutbox}. */
export interface ConnectOutboxOptions
  extends MongoOutboxOptions, MongoConnectOptions {}

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
  const { client, db } = await connectMongo(options);
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

import { userAgent, type ResolvedDeps } from './deps.js';
import { postHttp } from './http.js';
import { createRouteFilter, type RouteConfig } from './routing.js';
import { sendEach } from './send-each.js';
import type { Notification, Sink } from './sink.js';

/** What a sink that POSTs one JSON document per notification needs. */
export interface JsonPostSinkConfig extends RouteConfig {
  id: string;
  kind: string;
  url: string;
  timeoutMs: number;
}

/**
 * A sink that POSTs `body(notification)` as JSON, one request per
 * notification in order (chat and paging APIs take one message at a time).
 */
export function createJsonPostSink(
  config: JsonPostSinkConfig,
  deps: ResolvedDeps,
  body: (notification: Notification) => unknown,
  contentType = 'application/json; charset=utf-8',
): Sink {
  return {
    id: config.id,
    kind: config.kind,
    accepts: createRouteFilter(config),
    send: batch =>
      sendEach(batch, async notification => {
        await postHttp(
          config.id,
          {
            url: config.url,
            headers: {
              'Content-Type': contentType,
              'User-Agent': userAgent(deps),
            },
            body: JSON.stringify(body(notification)),
            timeoutMs: config.timeoutMs,
          },
          deps.clock,
        );
      }),
    close: () => Promise.resolve(),
  };
}

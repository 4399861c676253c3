import {
  alertTags,
  extraField,
  SEVERITY_BY_NAME,
  type SeverityName,
} from '../encodings/index.js';
import type { Notification } from './sink.js';

/** The routing part of a sink's configuration; every filter present must match. */
export interface RouteConfig {
  /** Only alerts at least this severe. */
  minSeverity?: SeverityName | undefined;
  /** Rule ids; `*` matches any characters, e.g. `rbac-*`. */
  rules?: readonly string[] | undefined;
  /** Cluster names, with `*` wildcards. */
  clusters?: readonly string[] | undefined;
  /** Target namespaces, with `*` wildcards; cluster-scoped alerts never match. */
  namespaces?: readonly string[] | undefined;
  /** At least one of these tags: the alert's tags or labels, or an ATT&CK tactic/technique id. */
  tags?: readonly string[] | undefined;
}

/**
 * The `accepts` predicate of a sink. Test notifications always pass: "send a
 * test alert" must reach the sink whatever its filters. A suppressed alert
 * never passes: suppression keeps alerts but does not notify them.
 */
export function createRouteFilter(
  config: RouteConfig,
): (notification: Notification) => boolean {
  const checks: ((notification: Notification) => boolean)[] = [
    n => extraField(n.alert, 'suppressed') !== true,
  ];
  if (config.minSeverity !== undefined) {
    const min = SEVERITY_BY_NAME[config.minSeverity];
    checks.push(n => n.alert.severity >= min);
  }
  if (config.rules !== undefined) {
    const match = globMatcher(config.rules);
    checks.push(n => match(n.alert.ruleId));
  }
  if (config.clusters !== undefined) {
    const match = globMatcher(config.clusters);
    checks.push(n => match(n.alert.cluster));
  }
  if (config.namespaces !== undefined) {
    const match = globMatcher(config.namespaces);
    checks.push(n => {
      const namespace = n.alert.target?.namespace ?? '';
      return namespace !== '' && match(namespace);
    });
  }
  if (config.tags !== undefined) {
    const wanted = config.tags;
    checks.push(n => {
      const tags = alertTags(n.alert);
      return wanted.some(tag => tags.has(tag));
    });
  }
  return notification =>
    notification.change === 'test' ||
    checks.every(check => check(notification));
}

/** A predicate true when `value` matches one of `patterns` (`*` = any characters). */
export function globMatcher(
  patterns: readonly string[],
): (value: string) => boolean {
  const regexes = patterns.map(
    pattern =>
      new RegExp(
        `^${pattern
          .split('*')
          .map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      ),
  );
  return value => regexes.some(regex => regex.test(value));
}

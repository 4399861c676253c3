import { readFileSync } from 'node:fs';

import { expect } from 'vitest';

import {
  isConverted,
  type ConvertedEvent,
  type FormatResult,
} from '../../src/formats/index.js';
import { type Rejection } from '../../src/rejection.js';

/** The text of a fixture under the repository's `fixtures/`. */
export function fixtureText(path: string): string {
  return readFileSync(
    new URL(`../../../../fixtures/${path}`, import.meta.url),
    'utf8',
  );
}

/** A fixture parsed as JSON. */
export function fixture(path: string): unknown {
  return JSON.parse(fixtureText(path));
}

/** A fixture parsed as a JSON object, to vary in a test. */
export function fixtureObject(path: string): Record<string, unknown> {
  return fixture(path) as Record<string, unknown>;
}

/** The one converted event in `results`, failing the test otherwise. */
export function single(results: FormatResult[]): ConvertedEvent {
  expect(results).toHaveLength(1);
  const [result] = results;
  if (result === undefined || !isConverted(result)) {
    throw new Error(
      `expected one converted event, got ${JSON.stringify(results)}`,
    );
  }
  return result;
}

/** The one rejection in `results`, failing the test otherwise. */
export function rejection(results: FormatResult[]): Rejection {
  expect(results).toHaveLength(1);
  const [result] = results;
  if (result === undefined || !('reason' in result)) {
    throw new Error(`expected one rejection, got ${JSON.stringify(results)}`);
  }
  return result;
}

/** A nested object field of a converted event. */
export function field(
  event: Record<string, unknown>,
  name: string,
): Record<string, unknown> {
  return event[name] as Record<string, unknown>;
}

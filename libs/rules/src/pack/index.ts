import type { Rule } from '../rule.js';

import { anonymousRequestAllowed } from './anonymous-request-allowed.js';

/** The built-in rule pack. */
export const builtinRules: readonly Rule[] = [anonymousRequestAllowed];

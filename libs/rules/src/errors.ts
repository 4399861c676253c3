import { AppError } from '@kubeguard/errors';

/**
 * A rule, list, macro or exception file cannot be used. Names the file and
 * the field so the author can fix it; the engine keeps running the rules it
 * had.
 */
export class RuleLoadError extends AppError<'RULE_INVALID'> {
  readonly file: string;
  readonly field: string;

  constructor(file: string, field: string, message: string) {
    super(
      'RULE_INVALID',
      `${file}: ${field === '' ? '' : `${field}: `}${message}`,
    );
    this.file = file;
    this.field = field;
  }
}

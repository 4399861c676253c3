export { decodeBody } from './body.js';
export { expandRecord } from './detect.js';
export {
  INFERRED_ANNOTATION_PREFIX,
  isConverted,
  isSkipped,
} from './result.js';

export type {
  ConvertedEvent,
  FormatResult,
  SourceFormat,
  Skipped,
} from './result.js';

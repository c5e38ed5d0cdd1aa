import type { FunctionKind } from '../config/function-kinds.js';

/** One handler bundled and zipped for Lambda (src/package/build-handlers.ts builds it). */
export interface BuiltHandler {
  kind: FunctionKind;
  zip: Buffer;
  /** base64 of sha256(zip), exactly as Lambda reports CodeSha256. */
  codeSha256: string;
  /** Lambda `Handler` setting. */
  handler: string;
  /** The bundled JavaScript inside the zip. */
  code: string;
}

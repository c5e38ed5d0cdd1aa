// Writes schema/otp-setup.config.schema.json from the zod schema (run after scripts/compile.mjs), so editors
// complete otp-setup.config.json through its "$schema". A unit test checks it is current.
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../dist/src/config/schema.js';

const schema = { ...configJsonSchema(), title: 'otp-setup configuration' };
writeFileSync(new URL('../schema/otp-setup.config.schema.json', import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);

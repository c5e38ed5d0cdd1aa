import { z } from 'zod';

/** The object schema under optional/default/prefault/pipe wrappers, if there is one. */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  let node: z.ZodType | undefined = schema;
  while (node) {
    if (node instanceof z.ZodObject) return node.shape;
    const def = node._zod.def as { innerType?: z.ZodType; in?: z.ZodType };
    node = def.innerType ?? def.in;
  }
  return undefined;
}

/**
 * Every object's keys, by the object's dotted path ('' for the top level): what "did you mean"
 * suggests from, read off the schema so a new field is known the moment it is added.
 */
export function knownKeys(schema: z.ZodType, path = '', into: Record<string, string[]> = {}): Record<string, string[]> {
  const shape = objectShape(schema);
  if (!shape) return into;
  into[path] = Object.keys(shape);
  for (const [key, child] of Object.entries(shape)) knownKeys(child, path ? `${path}.${key}` : key, into);
  return into;
}

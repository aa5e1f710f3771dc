// Turns a request schema into the JSON Schema API Gateway validates with. Imports nothing but zod.
import * as z from "zod/mini";

/** A zod schema as a JSON Schema draft-04 document (what API Gateway REST models accept), input side. */
export function toDraft04JsonSchema(schema: z.core.$ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: "draft-04", io: "input" });
}

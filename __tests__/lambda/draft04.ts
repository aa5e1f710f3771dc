// Evaluates the draft-04 keywords the request model uses, the way API Gateway's validator reads
// them; any other keyword throws, so a schema change that this cannot judge fails loudly.
type Schema = Record<string, unknown>;

const KNOWN = new Set([
  "$schema",
  "type",
  "properties",
  "additionalProperties",
  "required",
  "oneOf",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "items",
  "anyOf",
  "not",
  "minimum",
  "maximum",
]);

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

export function validDraft04(schema: Schema, value: unknown): boolean {
  for (const key of Object.keys(schema)) {
    if (!KNOWN.has(key)) throw new Error(`draft-04 keyword not supported by this test evaluator: ${key}`);
  }
  if (schema.type === "integer") {
    if (!Number.isInteger(value)) return false;
  } else if (schema.type !== undefined && schema.type !== typeOf(value)) {
    return false;
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) return false;
    if (typeof schema.maximum === "number" && value > schema.maximum) return false;
  }
  if (typeof value === "string") {
    const length = [...value].length;
    if (typeof schema.minLength === "number" && length < schema.minLength) return false;
    if (typeof schema.maxLength === "number" && length > schema.maxLength) return false;
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) return false;
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) return false;
    const items = schema.items as Schema | undefined;
    if (items !== undefined && !value.every((item) => validDraft04(items, item))) return false;
  }
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [key, item] of Object.entries(object)) {
      const propertySchema = properties[key];
      if (propertySchema === undefined) {
        if (schema.additionalProperties === false) return false;
      } else if (!validDraft04(propertySchema, item)) {
        return false;
      }
    }
    const required = (schema.required ?? []) as string[];
    if (!required.every((key) => key in object)) return false;
  }
  if (schema.not !== undefined && validDraft04(schema.not as Schema, value)) return false;
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as Schema[]).some((option) => validDraft04(option, value))) return false;
  if (Array.isArray(schema.oneOf)) {
    const matches = (schema.oneOf as Schema[]).filter((option) => validDraft04(option, value)).length;
    if (matches !== 1) return false;
  }
  return true;
}

import Ajv from "ajv-draft-04";

/**
 * Checks a request body against the API's JSON Schema draft-04 model, as API Gateway's request
 * validator does: the body must be JSON and match the schema. Ajv is used rather than a
 * hand-written subset so every draft-04 keyword the model may use behaves as specified.
 */
export function bodyValidator(schema: Record<string, unknown>): (body: Buffer) => boolean {
  // strict: false because API Gateway ignores keywords it does not know instead of failing.
  const validate = new Ajv({ strict: false }).compile(schema);
  return (body) => {
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      return false;
    }
    return validate(json) === true;
  };
}

import Ajv from "ajv-draft-04";

/**
 * Checks a request body against the API's JSON Schema draft-04 model, as API Gateway's request
 * validator does: the body must be JSON and match the schema. Ajv is used rather than a
 * hand-written subset so every draft-04 keyword the model may use behaves as specified.
 * Returns null for a valid body, else what is wrong (the deployed API answers with API Gateway's
 * own wording of the same failure).
 */
export function bodyValidator(schema: Record<string, unknown>): (body: Buffer) => string | null {
  // strict: false because API Gateway ignores keywords it does not know instead of failing.
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(schema);
  return (body) => {
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      return "Invalid request body: not JSON";
    }
    return validate(json) ? null : `Invalid request body: ${ajv.errorsText(validate.errors, { dataVar: "body" })}`;
  };
}

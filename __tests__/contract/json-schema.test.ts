import * as z from "zod/mini";
import { toDraft04JsonSchema } from "../../contract/json-schema";

describe("toDraft04JsonSchema", () => {
  it("writes a draft-04 document of the schema's input side", () => {
    const schema = z.object({ n: z._default(z.number(), 1) });
    expect(toDraft04JsonSchema(schema)).toEqual({
      $schema: "http://json-schema.org/draft-04/schema#",
      type: "object",
      // Input side: a field with a default may be left out, so nothing is required.
      properties: { n: { type: "number", default: 1 } },
    });
  });
});

import { DEFAULT_REQUEST_LIMITS } from "../../contract/request-limits";
import { requestBodyJsonSchema, sentimentRequestSchema } from "../../contract/text-classification";
import { validDraft04 } from "../lambda/draft04";

const limits = { maxTexts: 3, maxTextChars: 5, maxTotalChars: 15 };

describe("request body JSON Schema", () => {
  it("is the draft-04 document API Gateway gets as its request model", () => {
    expect(requestBodyJsonSchema(limits)).toEqual({
      $schema: "http://json-schema.org/draft-04/schema#",
      type: "object",
      properties: {
        text: { type: "string", minLength: 1, maxLength: 5 },
        texts: { type: "array", minItems: 1, maxItems: 3, items: { type: "string", minLength: 1, maxLength: 5 } },
        all_scores: { type: "boolean" },
      },
      additionalProperties: false,
      oneOf: [{ required: ["text"] }, { required: ["texts"] }],
    });
  });

  it("follows the limits it is given", () => {
    const schema = JSON.stringify(requestBodyJsonSchema(DEFAULT_REQUEST_LIMITS));

    expect(schema).toContain('"maxItems":32');
    expect(schema).toContain('"maxLength":10000');
  });

  it.each([
    ["one text", { text: "up" }, true],
    ["one text with all_scores", { text: "up", all_scores: true }, true],
    ["a batch", { texts: ["up", "down"] }, true],
    ["a batch at both limits", { texts: ["aaaaa", "b", "c"], all_scores: false }, true],
    ["an empty object", {}, false],
    ["all_scores alone", { all_scores: true }, false],
    ["both text and texts", { text: "up", texts: ["down"] }, false],
    ["an empty text", { text: "" }, false],
    ["a text one over the limit", { text: "aaaaaa" }, false],
    ["a numeric text", { text: 1 }, false],
    ["a null text", { text: null }, false],
    ["an empty batch", { texts: [] }, false],
    ["a batch one over the limit", { texts: ["a", "b", "c", "d"] }, false],
    ["an empty text in a batch", { texts: ["a", ""] }, false],
    ["a too long text in a batch", { texts: ["a", "bbbbbb"] }, false],
    ["a number in a batch", { texts: ["a", 2] }, false],
    ["texts as a string", { texts: "a" }, false],
    ["an unknown field", { text: "a", lang: "en" }, false],
    ["a string all_scores", { text: "a", all_scores: "true" }, false],
    ["an array", ["a"], false],
    ["null", null, false],
    ["a string", "a", false],
  ])("zod and the JSON Schema agree on %s", (_case, body, valid) => {
    expect(sentimentRequestSchema(limits).safeParse(body).success).toBe(valid);
    expect(validDraft04(requestBodyJsonSchema(limits), body)).toBe(valid);
  });
});

describe("unpaired UTF-16 surrogates", () => {
  const schema = sentimentRequestSchema({ maxTexts: 3, maxTextChars: 20 });

  it.each([
    ["a lone high surrogate in text", { text: "up \ud800" }, "text"],
    ["a lone low surrogate in text", { text: "\udc00 up" }, "text"],
    ["a lone surrogate in a batch text", { texts: ["fine", "x\udbffy"] }, "texts.1"],
    ["a pair in the wrong order", { text: "\ude00\ud83d" }, "text"],
  ])("rejects %s, naming the field", (_case, body, field) => {
    const parsed = schema.safeParse(body);

    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([
      [field, "must not contain an unpaired UTF-16 surrogate (\\ud800-\\udfff)"],
    ]);
  });

  it("accepts a well-formed surrogate pair (an emoji)", () => {
    expect(schema.safeParse({ texts: ["up \ud83d\ude00", "ok"] }).success).toBe(true);
  });
});

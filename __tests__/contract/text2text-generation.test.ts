import {
  DEFAULT_GENERATION_LIMITS,
  generationEndpointRequest,
  generationRequestJsonSchema,
  generationRequestSchema,
  generationResponseFrom,
} from "../../contract/text2text-generation";
import { BadModelResponseError } from "../../lambda/errors";
import { validDraft04 } from "../lambda/draft04";

const limits = { maxTexts: 2, maxTextChars: 5 };

describe("text2text-generation request", () => {
  it("defaults to 8 texts of at most 10,000 characters", () => {
    expect(DEFAULT_GENERATION_LIMITS).toEqual({ maxTexts: 8, maxTextChars: 10_000 });
  });

  it.each([
    ["one text", { text: "hi" }, true],
    ["texts at the limit", { texts: ["aaaaa", "b"] }, true],
    [
      "every parameter at its upper bound",
      { text: "a", parameters: { max_new_tokens: 512, num_beams: 8, do_sample: true, temperature: 2, top_p: 1 } },
      true,
    ],
    [
      "every parameter at its lower bound",
      { text: "a", parameters: { max_new_tokens: 1, num_beams: 1, do_sample: false, temperature: 0, top_p: 0 } },
      true,
    ],
    ["empty parameters", { text: "a", parameters: {} }, true],
    ["nothing", {}, false],
    ["text and texts together", { text: "a", texts: ["b"] }, false],
    ["an empty texts list", { texts: [] }, false],
    ["too many texts", { texts: ["a", "b", "c"] }, false],
    ["a too long text", { text: "aaaaaa" }, false],
    ["max_new_tokens 0", { text: "a", parameters: { max_new_tokens: 0 } }, false],
    ["max_new_tokens 513", { text: "a", parameters: { max_new_tokens: 513 } }, false],
    ["a fractional max_new_tokens", { text: "a", parameters: { max_new_tokens: 2.5 } }, false],
    ["num_beams 9", { text: "a", parameters: { num_beams: 9 } }, false],
    ["a string do_sample", { text: "a", parameters: { do_sample: "yes" } }, false],
    ["temperature above 2", { text: "a", parameters: { temperature: 2.1 } }, false],
    ["a negative top_p", { text: "a", parameters: { top_p: -0.1 } }, false],
    ["an unknown parameter", { text: "a", parameters: { repetition_penalty: 1.2 } }, false],
    ["parameters as a list", { text: "a", parameters: [] }, false],
    ["an unknown field", { text: "a", max_new_tokens: 5 }, false],
    ["an array body", ["a"], false],
  ])("zod and the JSON Schema agree on %s", (_case, body, valid) => {
    expect(generationRequestSchema(limits).safeParse(body).success).toBe(valid);
    expect(validDraft04(generationRequestJsonSchema(limits), body)).toBe(valid);
  });

  it("names the unknown parameter", () => {
    const result = generationRequestSchema(limits).safeParse({ text: "a", parameters: { repetition_penalty: 1.2 } });
    expect(result.success ? "" : result.error.issues[0].message).toBe(
      'unknown field "repetition_penalty" (allowed: "max_new_tokens", "num_beams", "do_sample", "temperature", "top_p")',
    );
  });

  it("states a parameter's range", () => {
    const result = generationRequestSchema(limits).safeParse({ text: "a", parameters: { num_beams: 9 } });
    expect(result.success ? "" : result.error.issues[0].message).toBe("must be an integer from 1 to 8");
  });

  it("always sends a list and the parameters given", () => {
    expect(generationEndpointRequest({ text: "a" })).toEqual({ inputs: ["a"], parameters: {} });
    expect(generationEndpointRequest({ texts: ["a", "b"], parameters: { num_beams: 2 } })).toEqual({
      inputs: ["a", "b"],
      parameters: { num_beams: 2 },
    });
  });
});

describe("generationResponseFrom", () => {
  it("answers one generated text per input, in order", () => {
    expect(generationResponseFrom([{ generated_text: "Hallo" }, { generated_text: "" }], 2)).toEqual({
      data: [{ generated_text: "Hallo" }, { generated_text: "" }],
    });
  });

  it.each([
    ["fewer generations than inputs", [{ generated_text: "a" }]],
    ["more generations than inputs", [{ generated_text: "a" }, { generated_text: "b" }, { generated_text: "c" }]],
    ["a list per input (a pipeline with several sequences)", [[{ generated_text: "a" }], [{ generated_text: "b" }]]],
    ["a missing generated_text", [{ text: "a" }, { generated_text: "b" }]],
    ["a number as text", [{ generated_text: 1 }, { generated_text: "b" }]],
    ["an object", { generated_text: "a" }],
  ])("rejects %s as a bad model response", (_case, output) => {
    expect(() => generationResponseFrom(output, 2)).toThrow(BadModelResponseError);
  });
});

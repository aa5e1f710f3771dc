import {
  DEFAULT_EMBEDDING_LIMITS,
  embeddingEndpointRequest,
  embeddingRequestJsonSchema,
  embeddingRequestSchema,
  embeddingResponseFrom,
} from "../../contract/feature-extraction";
import { BadModelResponseError } from "../../lambda/errors";
import { validDraft04 } from "../lambda/draft04";

const limits = { maxInputs: 3, maxInputChars: 5 };

describe("embedding request", () => {
  it("defaults to 32 inputs of at most 10,000 characters", () => {
    expect(DEFAULT_EMBEDDING_LIMITS).toEqual({ maxInputs: 32, maxInputChars: 10_000 });
  });

  it.each([
    ["an OpenAI-style string input", { input: "up" }, true],
    ["an OpenAI-style list input", { input: ["up", "down"] }, true],
    ["one text", { text: "up", normalize: false }, true],
    ["texts at the limit", { texts: ["aaaaa", "b", "c"] }, true],
    ["nothing", {}, false],
    ["input and text together", { input: "a", text: "b" }, false],
    ["an empty input list", { input: [] }, false],
    ["too many inputs", { input: ["a", "b", "c", "d"] }, false],
    ["a too long input", { input: "aaaaaa" }, false],
    ["a number in the list", { input: ["a", 1] }, false],
    ["a string normalize", { input: "a", normalize: "no" }, false],
    ["an unknown field", { input: "a", model: "x" }, false],
    ["an array body", ["a"], false],
  ])("zod and the JSON Schema agree on %s", (_case, body, valid) => {
    expect(embeddingRequestSchema(limits).safeParse(body).success).toBe(valid);
    expect(validDraft04(embeddingRequestJsonSchema(limits), body)).toBe(valid);
  });

  it("names the unknown field", () => {
    const result = embeddingRequestSchema(limits).safeParse({ input: "a", model: "x" });
    expect(result.success ? "" : result.error.issues[0].message).toBe(
      'unknown field "model" (allowed: "input", "text", "texts", "normalize")',
    );
  });

  it("always sends a list and the normalize flag", () => {
    expect(embeddingEndpointRequest({ input: "a" })).toEqual({ inputs: ["a"], parameters: { normalize: true } });
    expect(embeddingEndpointRequest({ texts: ["a", "b"], normalize: false })).toEqual({
      inputs: ["a", "b"],
      parameters: { normalize: false },
    });
  });
});

describe("embeddingResponseFrom", () => {
  it("answers OpenAI-style with one vector per input in order, the model and the dimensions", () => {
    expect(
      embeddingResponseFrom(
        [
          [1, 0],
          [0, 1],
        ],
        2,
        "sentence-transformers/all-mpnet-base-v2",
      ),
    ).toEqual({
      object: "list",
      data: [
        { object: "embedding", index: 0, embedding: [1, 0] },
        { object: "embedding", index: 1, embedding: [0, 1] },
      ],
      model: "sentence-transformers/all-mpnet-base-v2",
      dimensions: 2,
    });
  });

  it.each([
    ["fewer vectors than inputs (one vector for a batch)", [[1, 0]]],
    ["more vectors than inputs", [[1], [2], [3]]],
    ["vectors of different sizes", [[1, 0], [1]]],
    ["an empty vector", [[], []]],
    [
      "a non-numeric value",
      [
        [1, "2"],
        [1, 2],
      ],
    ],
    ["an object", { embeddings: [[1], [2]] }],
  ])("rejects %s as a bad model response", (_case, output) => {
    expect(() => embeddingResponseFrom(output, 2, "m")).toThrow(BadModelResponseError);
  });
});

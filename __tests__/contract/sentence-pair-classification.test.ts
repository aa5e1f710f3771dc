import {
  DEFAULT_SENTENCE_PAIR_LIMITS,
  sentencePairEndpointRequest,
  sentencePairRequestJsonSchema,
  sentencePairRequestSchema,
  sentencePairResponseFrom,
} from "../../contract/sentence-pair-classification";
import { BadModelResponseError } from "../../lambda/errors";
import { validDraft04 } from "../lambda/draft04";

const limits = { maxPairs: 2, maxTextChars: 5 };

describe("sentence-pair request", () => {
  it("defaults to 32 pairs of texts of at most 10,000 characters", () => {
    expect(DEFAULT_SENTENCE_PAIR_LIMITS).toEqual({ maxPairs: 32, maxTextChars: 10_000 });
  });

  it.each([
    ["one pair", { text: "a", text_pair: "b" }, true],
    [
      "pairs at the limit",
      {
        pairs: [
          { text: "aaaaa", text_pair: "b" },
          { text: "c", text_pair: "d" },
        ],
      },
      true,
    ],
    ["nothing", {}, false],
    ["a text without its pair", { text: "a" }, false],
    ["a text_pair without its text", { text_pair: "b" }, false],
    ["pairs and a text", { pairs: [{ text: "a", text_pair: "b" }], text: "c" }, false],
    ["pairs and a text_pair", { pairs: [{ text: "a", text_pair: "b" }], text_pair: "c" }, false],
    ["pairs and a whole pair", { pairs: [{ text: "a", text_pair: "b" }], text: "c", text_pair: "d" }, false],
    ["an empty pairs list", { pairs: [] }, false],
    [
      "too many pairs",
      {
        pairs: [
          { text: "a", text_pair: "b" },
          { text: "a", text_pair: "b" },
          { text: "a", text_pair: "b" },
        ],
      },
      false,
    ],
    ["a pair missing text_pair", { pairs: [{ text: "a" }] }, false],
    ["a pair with an unknown field", { pairs: [{ text: "a", text_pair: "b", label: "x" }] }, false],
    ["a string as a pair", { pairs: ["a b"] }, false],
    ["an empty text", { text: "", text_pair: "b" }, false],
    ["a too long text_pair", { text: "a", text_pair: "bbbbbb" }, false],
    ["a number text", { text: 1, text_pair: "b" }, false],
    ["an unknown field", { text: "a", text_pair: "b", top_k: 2 }, false],
    ["an array body", [{ text: "a", text_pair: "b" }], false],
  ])("zod and the JSON Schema agree on %s", (_case, body, valid) => {
    expect(sentencePairRequestSchema(limits).safeParse(body).success).toBe(valid);
    expect(validDraft04(sentencePairRequestJsonSchema(limits), body)).toBe(valid);
  });

  it("names the unknown field", () => {
    const result = sentencePairRequestSchema(limits).safeParse({ text: "a", text_pair: "b", top_k: 2 });
    expect(result.success ? "" : result.error.issues[0].message).toBe('unknown field "top_k" (allowed: "text", "text_pair", "pairs")');
  });

  it("says which forms are accepted when a text comes without its pair", () => {
    const result = sentencePairRequestSchema(limits).safeParse({ text: "a" });
    expect(result.success ? "" : result.error.issues[0].message).toBe('send either "text" and "text_pair", or "pairs"');
  });

  it("always sends a list of pairs", () => {
    expect(sentencePairEndpointRequest({ text: "a", text_pair: "b" })).toEqual({ inputs: [{ text: "a", text_pair: "b" }] });
    const pairs = [
      { text: "a", text_pair: "b" },
      { text: "c", text_pair: "d" },
    ];
    expect(sentencePairEndpointRequest({ pairs })).toEqual({ inputs: pairs });
  });
});

describe("sentencePairResponseFrom", () => {
  it("answers each pair's best label, in order", () => {
    const output = [
      [
        { label: "equivalent", score: 0.9 },
        { label: "not_equivalent", score: 0.1 },
      ],
      [
        { label: "equivalent", score: 0.3 },
        { label: "not_equivalent", score: 0.7 },
      ],
    ];
    expect(sentencePairResponseFrom(output, 2)).toEqual({
      data: [
        { label: "equivalent", score: 0.9 },
        { label: "not_equivalent", score: 0.7 },
      ],
    });
  });

  it("reads a single top label per pair (the stock toolkit's answer)", () => {
    expect(sentencePairResponseFrom([{ label: "entailment", score: 0.8 }], 1)).toEqual({ data: [{ label: "entailment", score: 0.8 }] });
  });

  it.each([
    ["fewer rankings than pairs", [[{ label: "a", score: 0.5 }]]],
    ["more rankings than pairs", [[{ label: "a", score: 0.5 }], [{ label: "a", score: 0.5 }], [{ label: "a", score: 0.5 }]]],
    ["an empty ranking", [[], [{ label: "a", score: 0.5 }]]],
    [
      "a score above 1",
      [
        { label: "a", score: 1.5 },
        { label: "a", score: 0.5 },
      ],
    ],
    ["a missing label", [{ score: 0.5 }, { label: "a", score: 0.5 }]],
    ["an object", { data: [] }],
  ])("rejects %s as a bad model response", (_case, output) => {
    expect(() => sentencePairResponseFrom(output, 2)).toThrow(BadModelResponseError);
  });
});

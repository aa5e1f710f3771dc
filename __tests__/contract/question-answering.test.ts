import {
  DEFAULT_QUESTION_ANSWERING_LIMITS,
  questionAnsweringEndpointRequest,
  questionAnsweringRequestJsonSchema,
  questionAnsweringRequestSchema,
  questionAnsweringResponseFrom,
} from "../../contract/question-answering";
import { BadModelResponseError } from "../../lambda/errors";
import { validDraft04 } from "../lambda/draft04";

const limits = { maxItems: 2, maxQuestionChars: 3, maxContextChars: 5 };
const item = { question: "who", context: "Ann" };

describe("question-answering request", () => {
  it("defaults to 32 items, questions of 250 and contexts of 10,000 characters", () => {
    expect(DEFAULT_QUESTION_ANSWERING_LIMITS).toEqual({ maxItems: 32, maxQuestionChars: 250, maxContextChars: 10_000 });
  });

  it.each([
    ["one question", { question: "who", context: "Ann" }, true],
    ["one question with top_k 5", { ...item, top_k: 5 }, true],
    ["items at the limit with top_k 1", { items: [item, { question: "q", context: "ccccc" }], top_k: 1 }, true],
    ["nothing", {}, false],
    ["a question without a context", { question: "who" }, false],
    ["a context without a question", { context: "Ann" }, false],
    ["items and a question", { items: [item], question: "who" }, false],
    ["items and a whole question", { items: [item], ...item }, false],
    ["an empty items list", { items: [] }, false],
    ["too many items", { items: [item, item, item] }, false],
    ["an item missing its context", { items: [{ question: "who" }] }, false],
    ["an item with an unknown field", { items: [{ ...item, id: 1 }] }, false],
    ["a too long question", { question: "whom", context: "Ann" }, false],
    ["a too long context", { question: "who", context: "Annabel" }, false],
    ["an empty context", { question: "who", context: "" }, false],
    ["top_k 0", { ...item, top_k: 0 }, false],
    ["top_k 6", { ...item, top_k: 6 }, false],
    ["a fractional top_k", { ...item, top_k: 1.5 }, false],
    ["a string top_k", { ...item, top_k: "2" }, false],
    ["an unknown field", { ...item, max_answer_len: 3 }, false],
    ["an array body", [item], false],
  ])("zod and the JSON Schema agree on %s", (_case, body, valid) => {
    expect(questionAnsweringRequestSchema(limits).safeParse(body).success).toBe(valid);
    expect(validDraft04(questionAnsweringRequestJsonSchema(limits), body)).toBe(valid);
  });

  it("names the unknown field", () => {
    const result = questionAnsweringRequestSchema(limits).safeParse({ ...item, max_answer_len: 3 });
    expect(result.success ? "" : result.error.issues[0].message).toBe(
      'unknown field "max_answer_len" (allowed: "question", "context", "items", "top_k")',
    );
  });

  it("states the top_k range", () => {
    const result = questionAnsweringRequestSchema(limits).safeParse({ ...item, top_k: 6 });
    expect(result.success ? "" : result.error.issues[0].message).toBe("must be an integer from 1 to 5");
  });

  it("always sends a list of items and top_k, 1 by default", () => {
    expect(questionAnsweringEndpointRequest(item)).toEqual({ inputs: [item], parameters: { top_k: 1 } });
    expect(questionAnsweringEndpointRequest({ items: [item, item], top_k: 3 })).toEqual({ inputs: [item, item], parameters: { top_k: 3 } });
  });
});

describe("questionAnsweringResponseFrom", () => {
  const ann = { answer: "Ann", score: 0.8, start: 0, end: 3 };
  const bob = { answer: "Bob", score: 0.1, start: 8, end: 11 };

  it("answers one best answer per item without top_k", () => {
    expect(questionAnsweringResponseFrom([[ann], [bob]], { items: [item, item] })).toEqual({ data: [ann, bob] });
  });

  it("answers a list per item, best first, with top_k", () => {
    expect(questionAnsweringResponseFrom([[bob, ann]], { ...item, top_k: 2 })).toEqual({ data: [[ann, bob]] });
  });

  it("keeps an item with fewer answers than top_k", () => {
    expect(questionAnsweringResponseFrom([[ann]], { ...item, top_k: 3 })).toEqual({ data: [[ann]] });
  });

  it.each([
    ["fewer lists than items", [[ann]]],
    ["more lists than items", [[ann], [ann], [ann]]],
    ["an item without an answer", [[ann], []]],
    ["more answers than top_k", [[ann, bob], [ann]]],
    ["a bare answer instead of a list", [ann, ann]],
    ["an end before the start", [[{ ...ann, start: 3, end: 0 }], [ann]]],
    ["a negative offset", [[{ ...ann, start: -1 }], [ann]]],
    ["a missing answer text", [[{ score: 0.8, start: 0, end: 3 }], [ann]]],
    ["an object", { answers: [] }],
  ])("rejects %s as a bad model response", (_case, output) => {
    expect(() => questionAnsweringResponseFrom(output, { items: [item, item] })).toThrow(BadModelResponseError);
  });
});

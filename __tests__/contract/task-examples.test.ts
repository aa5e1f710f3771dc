// Every task's documented examples (what `npm run smoke` sends, what the OpenAPI document shows)
// against the request contract the gateway and the handler check, and their answer checks against
// what the contract's response mapping makes of the fixture models' real answers.
import { toDraft04JsonSchema } from "../../contract/json-schema";
import { DEFAULT_REQUEST_LIMITS } from "../../contract/request-limits";
import { type ContractExample, TASK_CONTRACTS, taskContract } from "../../contract/task-contracts";
import { handlerContract } from "../../contract/tasks";
import { TASKS, type Task } from "../../lib/tasks";
import { validDraft04 } from "../lambda/draft04";
import { invokeFixture } from "./fixture-models";

const LIMITS = DEFAULT_REQUEST_LIMITS;

/** The public answer the handler gives to `example`: its body parsed, sent to the fixture model, mapped back. */
function answerTo(task: Task, example: ContractExample): { data: unknown[] } {
  const handled = handlerContract(task);
  const request = handled.requestSchema(LIMITS).parse(JSON.parse(example.body));
  return handled.response(invokeFixture(task, handled.endpointBody(request)), request, { modelId: "fixture/model" }) as { data: unknown[] };
}

const gatewayModel = (task: Task) => handlerContract(task).requestJsonSchema(LIMITS);
const examplesOf = (task: Task) => taskContract(task).examples(LIMITS);
const cases = (status: (code: number) => boolean) =>
  TASKS.flatMap((task) =>
    examplesOf(task)
      .filter((e) => status(e.status))
      .map((e) => [task, e.name, e] as const),
  );

const parsesAsJson = (body: string) => {
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
};

describe.each(TASKS)("%s", (task) => {
  it("has a row in TASK_CONTRACTS whose request schema is the gateway's", () => {
    const example = examplesOf(task)[0];
    expect(TASK_CONTRACTS[task]).toBeDefined();
    expect(TASK_CONTRACTS[task].requestSchema(LIMITS).safeParse(JSON.parse(example.body)).success).toBe(true);
    expect(toDraft04JsonSchema(TASK_CONTRACTS[task].requestSchema(LIMITS))).toEqual(gatewayModel(task));
  });

  it("documents a successful request first, a batch, and refused requests with 400", () => {
    const examples = examplesOf(task);
    expect(examples[0].status).toBe(200);
    expect(examples.filter((e) => e.status === 200).length).toBeGreaterThanOrEqual(2);
    expect(examples.filter((e) => e.status === 400).length).toBeGreaterThanOrEqual(3);
  });

  it("lets the gateway pass no bad example but the lone surrogate, which only the handler's schema sees", () => {
    const passed = examplesOf(task)
      .filter((e) => e.status === 400 && parsesAsJson(e.body))
      .filter((e) => validDraft04(gatewayModel(task), JSON.parse(e.body)))
      .map((e) => e.name);
    expect(passed).toEqual(["a lone UTF-16 surrogate"]);
  });
});

describe("successful examples", () => {
  it.each(cases((status) => status === 200))(
    "%s, %s: the request schema and the gateway's JSON schema accept it",
    (task, _name, example) => {
      const body: unknown = JSON.parse(example.body);
      expect(handlerContract(task).requestSchema(LIMITS).safeParse(body).error).toBeUndefined();
      expect(validDraft04(gatewayModel(task), body)).toBe(true);
    },
  );

  it.each(cases((status) => status === 200))(
    "%s, %s: the answer check accepts what the contract maps from the fixture model's answer",
    (task, _name, example) => {
      const parsed = example.response.safeParse(answerTo(task, example));
      expect(parsed.error).toBeUndefined();
    },
  );

  it.each(cases((status) => status === 200))(
    "%s, %s: the answer check refuses that answer with one entry missing",
    (task, _name, example) => {
      const answer = answerTo(task, example);
      expect(example.response.safeParse({ ...answer, data: answer.data.slice(1) }).success).toBe(false);
    },
  );
});

describe("bad examples", () => {
  it.each(cases((status) => status !== 200))("%s, %s: the request schema refuses it (or it is not JSON)", (task, _name, example) => {
    expect(example.status).toBe(400);
    if (!parsesAsJson(example.body)) return expect(() => JSON.parse(example.body)).toThrow(SyntaxError);
    expect(handlerContract(task).requestSchema(LIMITS).safeParse(JSON.parse(example.body)).success).toBe(false);
  });
});

it("question answering: start/end of an answer after an emoji slice it out of the context in JavaScript", () => {
  const context = "\u{1F4C8} Ann founded Kestrel.";
  const handled = handlerContract("question-answering");
  const request = handled.requestSchema(LIMITS).parse({ question: "Who?", context, top_k: 2 });
  const { data } = handled.response(invokeFixture("question-answering", handled.endpointBody(request)), request, { modelId: "m" }) as {
    data: Array<Array<{ answer: string; start: number; end: number }>>;
  };
  expect(data[0].map((a) => a.answer)).toEqual(["founded", "Kestrel"]);
  for (const answer of data[0]) expect(context.slice(answer.start, answer.end)).toBe(answer.answer);
});

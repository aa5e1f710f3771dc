// What a model directory's config.json says about its task, and what files each task needs.
// Pure: phase-2 wiring (config, model:check, packing) calls these; nothing here reads AWS.

export const TASKS = [
  "text-classification",
  "sentence-pair-classification",
  "question-answering",
  "text2text-generation",
  "feature-extraction",
] as const;

export type Task = (typeof TASKS)[number];

export class TaskMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TaskMismatchError";
  }
}

/** The parts of a model directory the inference reads: config.json's architectures and the file names. */
export interface ModelDirectoryFacts {
  architectures: readonly string[];
  /** Paths relative to the directory, POSIX separators ("1_Pooling/config.json"). */
  files: ReadonlySet<string>;
}

// Tasks whose models share an architecture: a *ForSequenceClassification reads one text or a pair.
const COMPATIBLE: Readonly<Record<Task, readonly Task[]>> = {
  "text-classification": ["text-classification", "sentence-pair-classification"],
  "sentence-pair-classification": ["text-classification", "sentence-pair-classification"],
  "question-answering": ["question-answering"],
  "text2text-generation": ["text2text-generation"],
  "feature-extraction": ["feature-extraction"],
};

function taskOfArchitecture(architecture: string): Task | undefined {
  if (architecture.endsWith("ForSequenceClassification")) return "text-classification";
  if (architecture.endsWith("ForQuestionAnswering")) return "question-answering";
  if (architecture.endsWith("ForConditionalGeneration")) return "text2text-generation";
  // A bare encoder (no head): BertModel, MPNetModel, XLMRobertaModel; not GPT2LMHeadModel.
  if (/^[A-Z][A-Za-z0-9]*Model$/.test(architecture) && !/For|Head|PreTrained/.test(architecture)) return "feature-extraction";
  return undefined;
}

/** The task a model directory serves, or undefined when nothing in it tells. */
export function inferTask(facts: ModelDirectoryFacts): Task | undefined {
  // A sentence-transformers layout is an embedding model whatever its encoder class.
  if (facts.files.has("modules.json")) return "feature-extraction";
  for (const architecture of facts.architectures) {
    const task = taskOfArchitecture(architecture);
    if (task !== undefined) return task;
  }
  return undefined;
}

/** The configured task, else the inferred one; throws naming both when they contradict. */
export function resolveTask(configured: Task | undefined, facts: ModelDirectoryFacts, where: string): Task {
  const inferred = inferTask(facts);
  if (configured === undefined) {
    if (inferred === undefined) {
      throw new TaskMismatchError(
        `${where}: cannot infer the task from config.json architectures [${facts.architectures.join(", ")}]; set the task (one of ${TASKS.join(", ")})`,
      );
    }
    return inferred;
  }
  if (inferred !== undefined && !COMPATIBLE[configured].includes(inferred)) {
    const source = facts.files.has("modules.json")
      ? "a sentence-transformers layout (modules.json)"
      : `architecture ${facts.architectures.join(", ")}`;
    throw new TaskMismatchError(`${where}: task ${configured} contradicts the model: ${source} is a ${inferred} model`);
  }
  return configured;
}

/** The architectures listed in a config.json's text; [] when it has none. Throws on invalid JSON. */
export function architecturesOf(configJson: string): string[] {
  const parsed = JSON.parse(configJson) as { architectures?: unknown };
  return Array.isArray(parsed.architectures) ? parsed.architectures.filter((a): a is string => typeof a === "string") : [];
}

interface FileRule {
  /** Any one of these paths satisfies the rule. */
  anyOf: readonly string[];
  why: string;
}

/** Files each task needs beyond config, weights and code/ (which model:check already checks). */
export const TASK_REQUIRED_FILES: Readonly<Record<Task, readonly FileRule[]>> = {
  "text-classification": [],
  "sentence-pair-classification": [],
  "question-answering": [
    { anyOf: ["tokenizer.json", "vocab.txt", "vocab.json"], why: "answers need a fast tokenizer's character offsets" },
  ],
  "text2text-generation": [{ anyOf: ["spiece.model", "tokenizer.json"], why: "the T5 tokenizer" }],
  "feature-extraction": [],
};

// A sentence-transformers layout must bring its pooling configuration along.
const SENTENCE_TRANSFORMERS_RULES: readonly FileRule[] = [
  { anyOf: ["1_Pooling/config.json"], why: "modules.json names a Pooling module; its config says how to pool" },
];

/** model:check's per-task problems: one line per missing file, naming the task and why. */
export function taskFileProblems(task: Task, files: ReadonlySet<string>): string[] {
  const rules = [
    ...TASK_REQUIRED_FILES[task],
    ...(task === "feature-extraction" && files.has("modules.json") ? SENTENCE_TRANSFORMERS_RULES : []),
  ];
  return rules
    .filter((rule) => !rule.anyOf.some((file) => files.has(file)))
    .map((rule) => `${task}: ${rule.anyOf.join(" or ")} missing (${rule.why})`);
}

/** Where a task's shipped code/ comes from, relative to the project root: archive path -> source. */
export function taskCodeFiles(task: Task): Readonly<Record<string, string>> {
  if (task === "text-classification") return { "code/inference.py": "model/code/inference.py" };
  return { "code/inference.py": `model/tasks/${task}/inference.py`, "code/task_common.py": "model/tasks/task_common.py" };
}

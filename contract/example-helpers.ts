// Builders the task example files share: a 200 example with its answer check, a 400 example.
import * as z from "zod/mini";
import type { ContractExample } from "./task-contracts";
import { errorResponseSchema } from "./text-classification";

/** A request the API answers with 200 and a body that `response` accepts. */
export const ok = (name: string, request: unknown, response: z.ZodMiniType): ContractExample => ({
  name,
  body: JSON.stringify(request),
  status: 200,
  response,
});

/** A request the API refuses with 400 `{message, requestId}`; `body` is sent as is. */
export const bad = (name: string, body: string): ContractExample => ({ name, body, status: 400, response: errorResponseSchema });

/** `schema`, with `data` holding exactly `count` entries that each satisfy `entry`. */
export function answers<T extends { data: readonly unknown[] }>(
  schema: z.ZodMiniType<T>,
  count: number,
  entry: (item: T["data"][number], index: number) => boolean = () => true,
  what = "answer",
): z.ZodMiniType<T> {
  return schema.check(
    z.refine((response: T) => response.data.length === count && response.data.every(entry), {
      error: `expected ${count} ${what}(s)`,
    }),
  );
}

/** A JSON body with an unpaired UTF-16 surrogate (JSON.stringify writes it as the escape "\ud800"). */
export const LONE_SURROGATE_TEXT = "profit \ud800 rose";

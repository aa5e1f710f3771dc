import { BadModelResponseError } from "../../lambda/errors";
import { endpointRequest, predictionsFrom } from "../../lambda/sentiment";

const finbert = (positive: number, neutral: number, negative: number) => [
  { label: "Positive", score: positive },
  { label: "Neutral", score: neutral },
  { label: "Negative", score: negative },
];

describe("endpointRequest", () => {
  it("always sends a list of inputs, even for one text", () => {
    expect(endpointRequest(["only one"])).toEqual({ inputs: ["only one"] });
  });
});

describe("predictionsFrom", () => {
  it("picks the highest score as the label, upper-cased", () => {
    expect(predictionsFrom([finbert(0.1, 0.3, 0.6)], 1, false)).toEqual([{ label: "NEGATIVE", score: 0.6 }]);
  });

  it("lists every label highest first when all scores are asked for", () => {
    expect(predictionsFrom([finbert(0.1, 0.3, 0.6)], 1, true)).toEqual([
      {
        label: "NEGATIVE",
        score: 0.6,
        scores: [
          { label: "NEGATIVE", score: 0.6 },
          { label: "NEUTRAL", score: 0.3 },
          { label: "POSITIVE", score: 0.1 },
        ],
      },
    ]);
  });

  it("keeps the order of the inputs", () => {
    const labels = predictionsFrom([finbert(0.8, 0.1, 0.1), finbert(0.1, 0.1, 0.8), finbert(0.1, 0.8, 0.1)], 3, false).map(
      (prediction) => prediction.label,
    );

    expect(labels).toEqual(["POSITIVE", "NEGATIVE", "NEUTRAL"]);
  });

  it("accepts one label per input, as the stock toolkit answers", () => {
    expect(predictionsFrom([{ label: "Neutral", score: 0.7 }], 1, true)).toEqual([
      { label: "NEUTRAL", score: 0.7, scores: [{ label: "NEUTRAL", score: 0.7 }] },
    ]);
  });

  it.each([
    ["a non-array answer", { label: "Positive", score: 0.9 }],
    ["a different number of predictions than texts", [finbert(0.8, 0.1, 0.1)]],
    ["an empty label list", [[], []]],
    ["a negative score", [[{ label: "Positive", score: -0.1 }], [{ label: "Positive", score: 0.1 }]]],
    ["a missing label", [{ score: 0.5 }, { score: 0.5 }]],
    [
      "a score given as a string",
      [
        { label: "Positive", score: "0.5" },
        { label: "Positive", score: 0.5 },
      ],
    ],
  ])("rejects %s as a bad model response", (_case, output) => {
    expect(() => predictionsFrom(output, 2, false)).toThrow(BadModelResponseError);
  });
});

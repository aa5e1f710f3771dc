// The outputs a person (and npm run smoke / openapi) uses after a deploy: per route the URL and a
// ready request, the stage URL, and the API key as a sensitive output.
import { DEFAULT_REQUEST_LIMITS } from "../../contract/request-limits";
import { sentimentRequestSchema } from "../../contract/text-classification";
import { synthApp } from "./synth-app";

const STAGE_URL = /^\$\{aws_api_gateway_stage\.[^.]+\.invoke_url\}$/;

interface RouteOutput {
  description: string;
  value: { method: string; url: string; task: string; auth: string; body: string; curl: string };
}

it("describes each route with its URL, task, auth mode and a body the API accepts", async () => {
  const { inferenceJson } = await synthApp();
  const route = inferenceJson.output.route_sentiment as unknown as RouteOutput;

  expect(route.value).toMatchObject({ method: "POST", task: "text-classification", auth: "api-key" });
  expect(route.value.url).toMatch(/^\$\{aws_api_gateway_stage\.[^.]+\.invoke_url\}\/sentiment$/);
  expect(sentimentRequestSchema(DEFAULT_REQUEST_LIMITS).safeParse(JSON.parse(route.value.body)).success).toBe(true);
  expect(route.value.curl).toContain(
    `curl -sS -X POST "${route.value.url}" -H "content-type: application/json" -H "x-api-key: $(aws apigateway get-api-key --region us-east-1 --api-key `,
  );
  expect(route.value.curl).toContain(` -d '${route.value.body}'`);
});

it("names a nested route's output after its path", async () => {
  const { inferenceJson } = await synthApp({ ROUTE_PATH: "finance/sentiment" });

  expect(Object.keys(inferenceJson.output).filter((name) => name.startsWith("route_"))).toEqual(["route_finance_sentiment"]);
});

it("outputs the stage URL and the API key, the key as sensitive", async () => {
  const { inferenceJson } = await synthApp();

  expect(inferenceJson.output.stage_url.value).toMatch(STAGE_URL);
  expect(inferenceJson.output.api_key).toEqual({
    value: expect.stringMatching(/^\$\{aws_api_gateway_api_key\.[^.]+\.value\}$/),
    sensitive: true,
    description: expect.any(String),
  });
});

it("in iam mode outputs no key and a curl line that signs with SigV4", async () => {
  const { inferenceJson } = await synthApp({ AUTH_MODE: "iam" });
  const route = inferenceJson.output.route_sentiment as unknown as RouteOutput;

  expect(inferenceJson.output.api_key).toBeUndefined();
  expect(route.value.auth).toBe("iam");
  expect(route.value.curl).toContain('--aws-sigv4 "aws:amz:us-east-1:execute-api"');
});

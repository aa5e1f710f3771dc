// Every rule marked "must" in shared/notes/security-rules.md, checked on every resource of both
// stacks for each shape of the app (defaults, serverless, IAM auth, Hub model).
import { type SynthedApp, resourcesOf, synthApp } from "./synth-app";
import { SECURITY_RULES } from "./security-rules";

const VARIANTS: Record<string, Record<string, string>> = {
  defaults: {},
  serverless: { ENDPOINT_MODE: "serverless" },
  "iam auth": { AUTH_MODE: "iam" },
  "cognito auth": { AUTH_MODE: "cognito" },
  "hub model": { MODEL_SOURCE: "hub:yiyanghkust/finbert-tone@4921590d3c0c3832c0efea24c8381ce0bda7844b" },
  "autoscaling, alarms and data capture": { MAX_INSTANCES: "3", ALARM_EMAIL: "ops@example.com", DATA_CAPTURE_PERCENT: "10" },
  "async with notifications, scale to zero and alarms": {
    ENDPOINT_MODE: "async",
    ASYNC_NOTIFICATIONS: "true",
    MAX_INSTANCES: "2",
    ALARMS: "true",
  },
};

describe.each(Object.entries(VARIANTS))("security rules (%s)", (_name, env) => {
  let app: SynthedApp;
  beforeAll(async () => {
    app = await synthApp(env);
  });

  test.each(Object.entries(SECURITY_RULES))("%s", (_rule, check) => {
    check([app.bootstrapJson, app.inferenceJson]);
  });

  test("the app's function may be invoked by API Gateway", () => {
    expect(resourcesOf(app.inferenceJson, "aws_lambda_permission").length).toBeGreaterThan(0);
  });

  test("the SageMaker model runs network-isolated exactly when its weights come from S3 on a real-time endpoint", () => {
    const fromS3RealTime = env.ENDPOINT_MODE !== "serverless" && !env.MODEL_SOURCE?.startsWith("hub:");
    for (const model of resourcesOf(app.inferenceJson, "aws_sagemaker_model")) expect(model.enable_network_isolation).toBe(fromS3RealTime);
  });
});

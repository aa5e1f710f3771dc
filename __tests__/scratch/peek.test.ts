import { defaultModelDir, synthApp } from "../stacks/synth-app";
test("peek", async () => {
  const app = await synthApp({}, { namePrefix: "ops", services: [{ name: "sentiment", modelSource: defaultModelDir(), endpointMode: "async", maxInstances: 3, asyncNotifications: true }] });
  require("fs").writeFileSync("/tmp/async-scratch/out.json", app.inference);
}, 60000);

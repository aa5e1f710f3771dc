import { fromAsyncEnvironment, toAsyncEnvironment } from "../../lambda/async-environment";

test("reads back what it writes", () => {
  const store = { bucket: "my-artifacts", prefix: "async/sentiment" };
  expect(fromAsyncEnvironment(toAsyncEnvironment(store))).toEqual(store);
});

test("names every bad variable", () => {
  expect(() => fromAsyncEnvironment({ ASYNC_BUCKET: "Bad_Bucket", ASYNC_PREFIX: "/async/x/" })).toThrow(
    'Invalid handler configuration: ASYNC_BUCKET must be an S3 bucket name, got "Bad_Bucket"; ASYNC_PREFIX must be a key prefix without slashes at the ends, got "/async/x/"',
  );
});

test("refuses a missing bucket", () => {
  expect(() => fromAsyncEnvironment({ ASYNC_PREFIX: "async/x" })).toThrow(/ASYNC_BUCKET must be an S3 bucket name, got ""/);
});

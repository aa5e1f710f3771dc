import { boundedName } from "../../constructs/names";

test("a name that fits is base and suffix unchanged", () => {
  expect(boundedName("finbert", "-sagemaker-us-east-1", 64)).toBe("finbert-sagemaker-us-east-1");
});

test("a name too long is cut to the limit with a hash of the whole base", () => {
  const name = boundedName("a".repeat(60), "-sagemaker-ap-southeast-1", 64);
  expect(name).toHaveLength(64);
  expect(name).toMatch(/^a+-[0-9a-f]{8}-sagemaker-ap-southeast-1$/);
});

test("two long bases that share their beginning stay distinct", () => {
  const base = "service-".repeat(8);
  expect(boundedName(`${base}one`, "-config-", 37)).not.toBe(boundedName(`${base}two`, "-config-", 37));
});

test("a suffix that leaves no room is refused", () => {
  expect(() => boundedName("x", "-".repeat(40), 37)).toThrow(/leaves no room/);
});

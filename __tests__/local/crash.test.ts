import { API_KEY, childPids, FIXTURE_MODEL, isAlive, killCli, post, type RunningCli, startCli } from "./support";

let cli: RunningCli | undefined;

afterAll(() => killCli(cli));

describe("npm start: a component dies", () => {
  it("answers the request in flight with 502/503, stops the rest and exits 1 naming the dead component", async () => {
    cli = await startCli(["--model-dir", FIXTURE_MODEL, "--port", "0", "--runtime-port", "0", "--model-port", "0", "--api-key", API_KEY]);
    const children = childPids(cli.child.pid!);
    // The fixture model sleeps on __sleep__, so the request is inside the model server when it dies.
    const inFlight = post(cli.routeUrl, { text: "__sleep__" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    process.kill(cli.modelPid, "SIGKILL");

    const reply = await inFlight;
    expect([502, 503]).toContain(reply.status);
    expect(await cli.exited).toBe(1);
    expect(cli.output().stderr).toContain("error: the model server killed by SIGKILL; stopping the local API");
    for (const pid of children) expect(isAlive(pid)).toBe(false);
  }, 30_000);
});

import http from "node:http";
import { UserError } from "../../lib/errors";
import { closeServer, listen } from "../../local/http";

describe("listen", () => {
  it("turns a port in use into a user error that names the port and keeps the cause", async () => {
    const first = http.createServer();
    const second = http.createServer();
    try {
      const port = await listen(first, 0);
      const failed = listen(second, port);
      await expect(failed).rejects.toBeInstanceOf(UserError);
      await expect(failed).rejects.toMatchObject({
        message: expect.stringContaining(`port ${port} on 127.0.0.1 is already in use`),
        cause: expect.objectContaining({ code: "EADDRINUSE" }),
      });
    } finally {
      await closeServer(first, 0);
    }
  });
});

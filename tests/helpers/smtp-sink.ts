import net from "node:net";
import type { AddressInfo } from "node:net";

export interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
}

/**
 * A minimal SMTP server on loopback that accepts every message (no TLS, no auth) and keeps it,
 * so tests can check what the real nodemailer transport sent. `reject: true` answers 550 to DATA.
 */
export async function startSmtpSink(opts: { reject?: boolean } = {}): Promise<{ url: string; mails: ReceivedMail[]; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.setEncoding("utf8");
    let buffer = "";
    let inData = false;
    let current: ReceivedMail = { from: "", to: [], data: "" };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply("220 sink.test ESMTP");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      let i: number;
      while ((i = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            if (opts.reject) reply("550 rejected by the test sink");
            else {
              mails.push(current);
              reply("250 OK queued");
            }
            current = { from: "", to: [], data: "" };
          } else current.data += (line.startsWith("..") ? line.slice(1) : line) + "\n";
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === "EHLO" || cmd === "HELO") reply("250 sink.test");
        else if (cmd === "MAIL") {
          current.from = line.replace(/^MAIL FROM:\s*/i, "");
          reply("250 OK");
        } else if (cmd === "RCPT") {
          current.to.push(line.replace(/^RCPT TO:\s*<?([^>\s]*)>?.*$/i, "$1"));
          reply("250 OK");
        } else if (cmd === "DATA") {
          inData = true;
          reply("354 go ahead");
        } else if (cmd === "QUIT") {
          reply("221 bye");
          socket.end();
        } else if (cmd === "RSET" || cmd === "NOOP") reply("250 OK");
        else reply("502 not implemented");
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
